package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// allowLatest marks a FROM whose :latest tag is deliberate, on the line above its ARG or FROM, with a reason:
//
//	# deploy-check: allow-latest (AWS republishes an EMR release's image under :latest only)
var allowLatest = regexp.MustCompile(`#\s*deploy-check:\s*allow-latest\s*\(.+\)`)

var argReference = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

type instruction struct {
	line       int
	keyword    string
	args       string
	allowedTag bool
}

// parseDockerfile joins continuation lines and returns the instructions (comments dropped, except the
// allow-latest marker, which applies to the next instruction).
func parseDockerfile(data string) []instruction {
	var out []instruction
	var cur strings.Builder
	start, marked := 0, false
	for i, raw := range strings.Split(data, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			if allowLatest.MatchString(line) {
				marked = true
			}
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
		out = append(out, instruction{line: start, keyword: strings.ToUpper(keyword), args: strings.TrimSpace(rest), allowedTag: marked})
		marked = false
	}
	return out
}

// runDockerfiles: base images pinned (tag or digest, never an implicit or unmarked latest), the final
// stage runs as a non-root USER, and every file COPY takes from the build context (the repository root,
// CONTEXT) exists.
func runDockerfiles(args []string) {
	if len(args) < 2 {
		usage()
	}
	context, files := args[0], args[1:]
	var p problems
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			p.add(file, "%v", err)
			continue
		}
		checkDockerfile(file, context, parseDockerfile(string(data)), &p)
	}
	p.exit(fmt.Sprintf("ok %d Dockerfile(s): pinned bases, non-root final user, COPY sources present", len(files)))
}

func checkDockerfile(file, context string, instructions []instruction, p *problems) {
	argDefaults := map[string]string{}
	argAllowed := map[string]bool{}
	stages := map[string]bool{}
	user, stageCount := "", 0
	for _, in := range instructions {
		where := fmt.Sprintf("%s:%d", file, in.line)
		switch in.keyword {
		case "ARG":
			name, value, hasDefault := strings.Cut(in.args, "=")
			if hasDefault {
				argDefaults[name] = strings.Trim(value, `"`)
				argAllowed[name] = in.allowedTag
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
			allowed := in.allowedTag
			resolved := argReference.ReplaceAllStringFunc(image, func(ref string) string {
				name := argReference.FindStringSubmatch(ref)[1]
				allowed = allowed || argAllowed[name]
				if v, ok := argDefaults[name]; ok {
					return v
				}
				p.add(where, "FROM %s: ARG %s has no default", image, name)
				return ref
			})
			if stages[resolved] {
				continue
			}
			if !strings.Contains(lastSegment(resolved), ":") && !strings.Contains(resolved, "@sha256:") {
				p.add(where, "FROM %s: no tag, so latest: pin a version", resolved)
			} else if strings.HasSuffix(resolved, ":latest") && !allowed {
				p.add(where, "FROM %s: pin a version (or mark the ARG with \"# deploy-check: allow-latest (reason)\")", resolved)
			}
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
