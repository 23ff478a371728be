package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

var notAllowed = regexp.MustCompile(`(\S+) false schema`)

// runCompose loads a compose file with compose-go, the library `docker compose config` uses: schema
// validation, interpolation and consistency (depends_on, networks, volumes). Then: every image is pinned,
// and every local file the file names (build contexts, Dockerfiles, bind mounts) exists.
func runCompose(args []string) {
	if len(args) != 1 {
		usage()
	}
	file, _ := filepath.Abs(args[0])
	dir := filepath.Dir(file)
	var p problems
	// Only the file's own defaults (${VAR:-default}) count, not the caller's environment.
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithName("summary-pipeline"), cli.WithWorkingDirectory(dir), cli.WithEnv([]string{}), cli.WithProfiles([]string{"*"}))
	if err != nil {
		p.add(args[0], "%v", err)
		p.exit("")
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		// The JSON schema reports a key it does not allow as "<path> false schema".
		p.add(args[0], "%s", notAllowed.ReplaceAllString(err.Error(), "unknown key $1 (not in the compose specification)"))
		p.exit("")
	}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		checkComposeService(args[0], project.Services[name], &p)
	}
	p.exit(fmt.Sprintf("ok %s: %d services load and validate (%s)", args[0], len(names), strings.Join(names, ", ")))
}

func checkComposeService(file string, s types.ServiceConfig, p *problems) {
	where := fmt.Sprintf("%s: service %s", file, s.Name)
	if s.Build == nil {
		tag := lastSegment(s.Image)
		if s.Image == "" {
			p.add(where, "no image and no build")
		} else if !strings.Contains(tag, ":") && !strings.Contains(s.Image, "@sha256:") {
			p.add(where, "image %q has no tag: pin a version", s.Image)
		} else if strings.HasSuffix(s.Image, ":latest") {
			p.add(where, "image %q uses the tag latest: pin a version", s.Image)
		}
	} else {
		exists(where, "build context", s.Build.Context, p)
		if s.Build.Dockerfile != "" {
			exists(where, "Dockerfile", filepath.Join(s.Build.Context, s.Build.Dockerfile), p)
		}
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind {
			exists(where, "bind mount source", v.Source, p)
		}
	}
}

func exists(where, what, path string, p *problems) {
	if _, err := os.Stat(path); err != nil {
		p.add(where, "%s %s does not exist", what, path)
	}
}
