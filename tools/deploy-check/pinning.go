package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// A reference pinned by digest: name[:tag]@sha256:<64 hex>.
var digestRef = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$`)

// The digest deploy/images.lock uses for an image it cannot know yet (not built, or not resolvable here).
const placeholderDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// imageLock: the references of deploy/images.lock, one a line, comments after #.
type imageLock map[string]bool

func readImageLock(file string, p *problems) imageLock {
	lock := imageLock{}
	f, err := os.Open(file)
	if err != nil {
		p.add(file, "%v", err)
		return lock
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(strings.SplitN(scanner.Text(), "#", 2)[0])
		if line == "" {
			continue
		}
		if !digestRef.MatchString(line) {
			p.add(fmt.Sprintf("%s:%d", file, n), "%q: expected name[:tag]@sha256:<64 hex digits>", line)
			continue
		}
		if strings.Contains(lastSegment(strings.SplitN(line, "@", 2)[0]), ":latest") {
			p.add(fmt.Sprintf("%s:%d", file, n), "%q: no :latest, the digest is the pin (name@sha256:…)", line)
		}
		lock[line] = true
	}
	return lock
}

// checkImageRef: pinned by digest, listed in the lock, no :latest, and not a placeholder (a warning, or a
// failure with -release).
func checkImageRef(where, ref string, lock imageLock, lockFile string, release bool, p *problems) {
	switch {
	case !strings.Contains(ref, "@sha256:"):
		p.add(where, "image %q is not pinned by digest: use name@sha256:… from %s", ref, lockFile)
	case strings.Contains(lastSegment(strings.SplitN(ref, "@", 2)[0]), ":latest"):
		p.add(where, "image %q names the tag latest: pin by digest only", ref)
	case !lock[ref]:
		p.add(where, "image %q is not in %s: add it there (one list of every image, docs/security.md \"Pinning\")", ref, lockFile)
	case strings.HasSuffix(ref, "@"+placeholderDigest):
		placeholder(p, release, where, "image %q has the placeholder digest of %s: set the real one before release", ref, lockFile)
	}
}

// runImages: every container image of a rendered overlay, every image a container names in an env variable
// *_IMAGE, and every spark.kubernetes.container.image of the env files, is pinned by a digest listed in the lock.
//
//	deploy-check images [-release] -lock LOCK [-env FILE]... NAME RENDERED
func runImages(args []string) {
	fs := flag.NewFlagSet("images", flag.ExitOnError)
	lockFile := fs.String("lock", "", "deploy/images.lock")
	release := fs.Bool("release", false, "fail on placeholder digests instead of warning")
	var envFiles stringList
	fs.Var(&envFiles, "env", "an env file whose spark.kubernetes.container.image settings are checked too (repeatable)")
	_ = fs.Parse(args)
	if fs.NArg() != 2 || *lockFile == "" {
		usage()
	}
	name, file := fs.Arg(0), fs.Arg(1)
	var p problems
	lock := readImageLock(*lockFile, &p)
	count := 0
	for _, o := range loadObjects(name, file, &p) {
		var pod *corev1.PodSpec
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			pod = &v.Spec.Template.Spec
		case *batchv1.CronJob:
			pod = &v.Spec.JobTemplate.Spec.Template.Spec
		default:
			continue
		}
		for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
			count++
			checkImageRef(fmt.Sprintf("%s: %s: container %s", name, o, c.Name), c.Image, lock, *lockFile, *release, &p)
			// An image a container starts others from (the Spark Connect driver's executors: SPARK_CONNECT_IMAGE).
			for _, e := range c.Env {
				if strings.HasSuffix(e.Name, "_IMAGE") && e.Value != "" {
					count++
					checkImageRef(fmt.Sprintf("%s: %s: container %s: env %s", name, o, c.Name, e.Name), e.Value, lock, *lockFile, *release, &p)
				}
			}
		}
	}
	sparkImage := regexp.MustCompile(`spark\.kubernetes\.(?:driver\.|executor\.)?container\.image=(\S+)`)
	for _, env := range envFiles {
		data, err := os.ReadFile(env)
		if err != nil {
			p.add(env, "%v", err)
			continue
		}
		for n, line := range strings.Split(string(data), "\n") {
			for _, m := range sparkImage.FindAllStringSubmatch(line, -1) {
				count++
				checkImageRef(fmt.Sprintf("%s:%d", env, n+1), m[1], lock, *lockFile, *release, &p)
			}
		}
	}
	p.exit(fmt.Sprintf("ok %s: %d image reference(s) pinned by digests listed in %s", name, count, *lockFile))
}

// requirement lines: name==version, then (on the same or continuation lines) --hash=sha256:<64 hex>.
var requirementPin = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$`)
var requirementHash = regexp.MustCompile(`^--hash=sha256:[0-9a-f]{64}$`)

// runRequirements: every requirement of each file is pinned with == and carries at least one sha256
// hash, so that `pip install --require-hashes -r` accepts the file and refuses a changed artifact.
func runRequirements(args []string) {
	if len(args) == 0 {
		usage()
	}
	var p problems
	for _, file := range args {
		data, err := os.ReadFile(file)
		if err != nil {
			p.add(file, "%v", err)
			continue
		}
		// Join continuation lines, remembering where each requirement starts.
		var logical []string
		var starts []int
		var cur strings.Builder
		for n, raw := range strings.Split(string(data), "\n") {
			line := strings.TrimSpace(strings.SplitN(raw, " #", 2)[0])
			if strings.HasPrefix(line, "#") {
				line = ""
			}
			if cur.Len() == 0 {
				starts = append(starts, n+1)
			}
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			if !strings.HasSuffix(line, "\\") {
				logical = append(logical, strings.TrimSpace(cur.String()))
				cur.Reset()
			}
		}
		for i, line := range logical {
			fields := strings.Fields(line)
			if len(fields) == 0 || fields[0] == "-r" || fields[0] == "--requirement" {
				continue
			}
			where := fmt.Sprintf("%s:%d", file, starts[i])
			if strings.HasPrefix(fields[0], "-") {
				p.add(where, "option %q: only requirements (name==version --hash=…) and -r are expected", fields[0])
				continue
			}
			if !requirementPin.MatchString(fields[0]) {
				p.add(where, "%q is not pinned with ==", fields[0])
			}
			hashes := 0
			for _, f := range fields[1:] {
				if requirementHash.MatchString(f) {
					hashes++
				} else {
					p.add(where, "%s: unexpected %q (expected --hash=sha256:<64 hex>)", fields[0], f)
				}
			}
			if hashes == 0 {
				p.add(where, "%s has no --hash=sha256:…: pip install --require-hashes would refuse the file (docs/security.md \"Pinning\")", fields[0])
			}
		}
	}
	p.exit(fmt.Sprintf("ok %d requirements file(s): every requirement pinned with == and sha256 hashes", len(args)))
}

// stringList: a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
