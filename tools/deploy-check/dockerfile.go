package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A package named with its version: dnf/yum/microdnf name-1.2.3-1.amzn2023 (NEVRA without arch), apt name=1.2-3.
var dnfPinned = regexp.MustCompile(`^[A-Za-z0-9._+]+(-[A-Za-z0-9._+]+)*-\d[A-Za-z0-9._+:~-]*$`)
var aptPinned = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*=[A-Za-z0-9.+:~-]+$`)
var packageInstall = regexp.MustCompile(`\b(dnf|yum|microdnf|apt-get|apt|apk)\s+(?:-\S+\s+)*install\b`)

var argReference = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

type instruction struct {
	line    int
	keyword string
	args    string
}

// parseDockerfile joins continuation lines and returns the instructions (comments dropped).
func parseDockerfile(data string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(data, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" && cur.Len() == 0 {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		cont := strings.HasSuffix(line, "\\")
		cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
		if cont {
			continue
		}
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		keyword, rest, _ := strings.Cut(text, " ")
		out = append(out, instruction{line: start, keyword: strings.ToUpper(keyword), args: strings.TrimSpace(rest)})
	}
	return out
}

// runDockerfiles: base images pinned by a digest listed in LOCK (deploy/images.lock), packages installed
// with their versions, the final stage runs as a non-root USER, and every file COPY takes from the build
// context (the repository root, CONTEXT) exists.
//
//	deploy-check dockerfiles -lock LOCK [-release] CONTEXT FILE...
func runDockerfiles(args []string) {
	fs := flag.NewFlagSet("dockerfiles", flag.ExitOnError)
	lockFile := fs.String("lock", "", "deploy/images.lock")
	release := fs.Bool("release", false, "fail on placeholder digests instead of warning")
	_ = fs.Parse(args)
	if fs.NArg() < 2 || *lockFile == "" {
		usage()
	}
	context, files := fs.Arg(0), fs.Args()[1:]
	var p problems
	lock := readImageLock(*lockFile, &p)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			p.add(file, "%v", err)
			continue
		}
		checkDockerfile(file, context, parseDockerfile(string(data)), dockerPins{lock, *lockFile, *release}, &p)
	}
	p.exit(fmt.Sprintf("ok %d Dockerfile(s): bases pinned by digest (%s), packages by version, non-root final user, COPY sources present", len(files), *lockFile))
}

type dockerPins struct {
	lock     imageLock
	lockFile string
	release  bool
}

func checkDockerfile(file, context string, instructions []instruction, pins dockerPins, p *problems) {
	argDefaults := map[string]string{}
	stages := map[string]bool{}
	user, stageCount := "", 0
	for _, in := range instructions {
		where := fmt.Sprintf("%s:%d", file, in.line)
		switch in.keyword {
		case "ARG":
			name, value, hasDefault := strings.Cut(in.args, "=")
			if hasDefault {
				argDefaults[name] = strings.Trim(value, `"`)
			}
		case "FROM":
			stageCount++
			user = ""
			fields := strings.Fields(in.args)
			var image string
			for _, f := range fields {
				if !strings.HasPrefix(f, "--") {
					image = f
					break
				}
			}
			if len(fields) >= 3 && strings.EqualFold(fields[len(fields)-2], "AS") {
				stages[fields[len(fields)-1]] = true
			}
			resolved := argReference.ReplaceAllStringFunc(image, func(ref string) string {
				name := argReference.FindStringSubmatch(ref)[1]
				if v, ok := argDefaults[name]; ok {
					return v
				}
				p.add(where, "FROM %s: ARG %s has no default", image, name)
				return ref
			})
			if stages[resolved] {
				continue
			}
			checkImageRef(where+": FROM", resolved, pins.lock, pins.lockFile, pins.release, p)
		case "RUN":
			checkPackagePins(where, in.args, argDefaults, p)
		case "USER":
			user = in.args
		case "COPY", "ADD":
			fields := strings.Fields(in.args)
			fromStage := false
			var paths []string
			for _, f := range fields {
				if strings.HasPrefix(f, "--from=") {
					fromStage = true
				} else if !strings.HasPrefix(f, "--") {
					paths = append(paths, f)
				}
			}
			if fromStage || len(paths) < 2 {
				continue
			}
			for _, src := range paths[:len(paths)-1] {
				matches, _ := filepath.Glob(filepath.Join(context, src))
				if len(matches) == 0 {
					p.add(where, "%s %s: no such file in the build context %s", in.keyword, src, context)
				}
			}
		}
	}
	if stageCount == 0 {
		p.add(file, "no FROM")
	}
	name, _, _ := strings.Cut(user, ":")
	if user == "" {
		p.add(file, "the final stage sets no USER: it would run as root")
	} else if name == "root" || name == "0" {
		p.add(file, "the final stage runs as %s", user)
	}
}

// checkPackagePins: the packages a RUN installs with dnf, yum, microdnf (name-version) or apt (name=version)
// carry their versions, so that a rebuild installs what was reviewed. ARG references are resolved.
func checkPackagePins(where, run string, argDefaults map[string]string, p *problems) {
	for _, command := range regexp.MustCompile(`&&|;|\|\|`).Split(run, -1) {
		loc := packageInstall.FindStringSubmatchIndex(command)
		if loc == nil {
			continue
		}
		manager := command[loc[2]:loc[3]]
		for _, arg := range strings.Fields(command[loc[1]:]) {
			if strings.HasPrefix(arg, "-") {
				continue
			}
			pkg := argReference.ReplaceAllStringFunc(arg, func(ref string) string {
				if v, ok := argDefaults[argReference.FindStringSubmatch(ref)[1]]; ok {
					return v
				}
				return ref
			})
			pinned := dnfPinned.MatchString(pkg)
			if manager == "apt-get" || manager == "apt" {
				pinned = aptPinned.MatchString(pkg)
			}
			if !pinned {
				form := map[bool]string{true: "name=version", false: "name-version, e.g. python3.11-3.11.14-1.amzn2023.0.6"}[manager == "apt-get" || manager == "apt"]
				p.add(where, "%s install %s: no version; pin it (%s)", manager, pkg, form)
			}
		}
	}
}
