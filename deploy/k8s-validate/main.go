// Command k8s-validate checks Sluice's deployment files offline, without a cluster or a Docker engine.
// deploy/check-deploy.sh builds it once (cached) and runs it on the chart's rendered output and on the
// compose, Prometheus and Grafana files:
//
//	k8s-validate manifests [-require Kind,...] [-crd crd.yaml,...] rendered.yaml...   Kubernetes objects, strictly decoded
//	k8s-validate compose docker-compose.yml                        what `docker compose config` loads
//	k8s-validate prometheus -compose docker-compose.yml prometheus.yml
//	k8s-validate dashboard -metrics exported.txt [-datasources dir] dashboard.json...
//
// Every finding names the file, the object and the field. Exit status 1 when anything is wrong.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// problems collects findings so one run reports all of them, not just the first.
type problems struct{ list []string }

func (p *problems) addf(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) exit(what string) {
	if len(p.list) == 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %d problem(s):\n", what, len(p.list))
	for _, s := range p.list {
		fmt.Fprintf(os.Stderr, "  - %s\n", s)
	}
	os.Exit(1)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  k8s-validate manifests [-require Kind,...] [-forbid Kind,...] [-crd crd.yaml,...] rendered.yaml...
  k8s-validate compose docker-compose.yml
  k8s-validate prometheus [-compose docker-compose.yml] prometheus.yml
  k8s-validate dashboard -metrics exported.txt [-datasources dir] dashboard.json...`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "manifests":
		runManifests(args)
	case "compose":
		runCompose(args)
	case "prometheus":
		runPrometheus(args)
	case "dashboard":
		runDashboard(args)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		usage()
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func joinSorted(items []string) string {
	s := append([]string(nil), items...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}
