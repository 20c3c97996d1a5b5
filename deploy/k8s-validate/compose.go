package main

// docker-compose.yml through compose-go, the loader `docker compose` itself uses: the compose-spec JSON
// schema, interpolation, merge keys, normalisation and the consistency checks (unknown services in
// depends_on, undefined volumes …), i.e. what `docker compose config` does without an engine. Then the
// rules of this project: start order through health-gated depends_on, and least privilege.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func loadCompose(file string) (*types.Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	// No .env file and no OS environment: the defaults written in the file must make a valid project.
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv([]string{}),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// sluiceBuilt says whether a compose service runs an image built from the project's Dockerfile.
func sluiceBuilt(s types.ServiceConfig) bool {
	return s.Build != nil && strings.HasSuffix(filepath.ToSlash(s.Build.Dockerfile), "deploy/docker/Dockerfile")
}

func runCompose(args []string) {
	fs := flag.NewFlagSet("compose", flag.ExitOnError)
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	file := fs.Arg(0)
	p := &problems{}
	project, err := loadCompose(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose: %s does not load as `docker compose config` would: %v\n", file, err)
		os.Exit(1)
	}

	names := project.ServiceNames()
	sort.Strings(names)
	built := 0
	for _, name := range names {
		s := project.Services[name]
		where := fmt.Sprintf("%s: service %s", file, name)
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			p.addf("%s: no healthcheck (every service reports health so depends_on can wait for it)", where)
		}
		for dep, cond := range s.DependsOn {
			target, ok := project.Services[dep]
			if !ok {
				p.addf("%s: depends_on %s, which is not a service", where, dep)
				continue
			}
			if cond.Condition != types.ServiceConditionHealthy && cond.Condition != types.ServiceConditionCompletedSuccessfully {
				p.addf("%s: depends_on %s with condition %q; use service_healthy so start order follows readiness", where, dep, cond.Condition)
			}
			if cond.Condition == types.ServiceConditionHealthy && (target.HealthCheck == nil || target.HealthCheck.Disable) {
				p.addf("%s: waits for %s to be healthy, but %s has no healthcheck", where, dep, dep)
			}
		}
		if !hasNoNewPrivileges(s.SecurityOpt) {
			p.addf("%s: security_opt no-new-privileges:true is missing", where)
		}
		if !contains(s.CapDrop, "ALL") {
			p.addf("%s: cap_drop ALL is missing", where)
		}
		if len(s.CapAdd) > 0 || s.Privileged {
			p.addf("%s: adds capabilities or runs privileged", where)
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" && port.HostIP != "::1" {
				p.addf("%s: port %d is published on all interfaces; publish on 127.0.0.1", where, port.Target)
			}
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					p.addf("%s: bind mount source %s does not exist", where, v.Source)
				}
				if !v.ReadOnly {
					p.addf("%s: bind mount %s is writable; mount configuration read-only", where, v.Target)
				}
			}
		}
		if sluiceBuilt(s) {
			built++
			if s.Build.Args["SERVICE"] == nil || *s.Build.Args["SERVICE"] == "" {
				p.addf("%s: build arg SERVICE is not set", where)
			} else if svc := *s.Build.Args["SERVICE"]; svc != name {
				p.addf("%s: build arg SERVICE=%s differs from the service name", where, svc)
			} else if _, err := os.Stat(filepath.Join(project.WorkingDir, "services", svc)); err != nil {
				p.addf("%s: build arg SERVICE=%s but services/%s does not exist", where, svc, svc)
			}
			if s.User == "" || s.User == "0" || strings.HasPrefix(s.User, "0:") || s.User == "root" {
				p.addf("%s: runs as root; the image's user is 10001", where)
			}
			if !s.ReadOnly {
				p.addf("%s: read_only root filesystem is not set", where)
			}
			if port := s.Environment["PORT"]; port == nil || *port == "" {
				p.addf("%s: PORT is not set (the ops server and the healthcheck use it)", where)
			}
		}
	}
	order, err := startOrder(project)
	if err != nil {
		p.addf("%s: %v", file, err)
	}
	p.exit("compose")
	fmt.Printf("compose: %s loads like `docker compose config` (compose-spec schema, interpolation with defaults only, consistency); %d services (%d built from deploy/docker/Dockerfile), all with healthchecks, no-new-privileges and cap_drop ALL\n",
		file, len(names), built)
	fmt.Printf("compose: start order by health-gated depends_on: %s\n", strings.Join(order, " → "))
}

func hasNoNewPrivileges(opts []string) bool {
	for _, o := range opts {
		o = strings.ReplaceAll(o, "=", ":")
		if o == "no-new-privileges:true" || o == "no-new-privileges" {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// startOrder groups services into waves: each starts once everything it depends on is healthy.
func startOrder(project *types.Project) ([]string, error) {
	level := map[string]int{}
	var visit func(name string, path []string) (int, error)
	visit = func(name string, path []string) (int, error) {
		if l, ok := level[name]; ok {
			return l, nil
		}
		for _, prev := range path {
			if prev == name {
				return 0, fmt.Errorf("depends_on cycle: %s", strings.Join(append(path, name), " → "))
			}
		}
		l := 0
		for dep := range project.Services[name].DependsOn {
			dl, err := visit(dep, append(path, name))
			if err != nil {
				return 0, err
			}
			if dl+1 > l {
				l = dl + 1
			}
		}
		level[name] = l
		return l, nil
	}
	maxLevel := 0
	for name := range project.Services {
		l, err := visit(name, nil)
		if err != nil {
			return nil, err
		}
		if l > maxLevel {
			maxLevel = l
		}
	}
	waves := make([][]string, maxLevel+1)
	for name, l := range level {
		waves[l] = append(waves[l], name)
	}
	out := make([]string, 0, len(waves))
	for _, w := range waves {
		sort.Strings(w)
		out = append(out, "{"+strings.Join(w, ", ")+"}")
	}
	return out, nil
}
