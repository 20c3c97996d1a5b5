package main

// prometheus.yml through a strict subset of Prometheus's config loader (promconfig.go) and its rule
// files through Prometheus's rulefmt (what `promtool check rules` runs). With -compose, the rule files are found
// through the Prometheus service's bind mounts, and every service built from the Sluice Dockerfile must
// be a scrape target on its PORT.

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/compose-spec/compose-go/v2/types"
)

func runPrometheus(args []string) {
	fs := flag.NewFlagSet("prometheus", flag.ExitOnError)
	composeFile := fs.String("compose", "", "docker-compose.yml whose prometheus service mounts the config and rule files")
	metricsFile := fs.String("metrics", "", "exported metric families (name type per line): rule expressions may use only these")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	file := fs.Arg(0)
	p := &problems{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := loadPromConfig(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "prometheus: %s: %v\n", file, err)
		os.Exit(1)
	}

	targets := map[string]string{} // host:port -> job
	for _, sc := range cfg.ScrapeConfigs {
		for _, g := range sc.StaticConfigs {
			for _, t := range g.Targets {
				targets[string(t[model.AddressLabel])] = sc.JobName
			}
		}
	}

	var exported map[string]metricFamily
	if *metricsFile != "" {
		if exported, err = readExported(*metricsFile); err != nil {
			p.addf("%v", err)
		}
	}

	ruleCount := 0
	if *composeFile != "" {
		project, err := loadCompose(*composeFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "prometheus: %s: %v\n", *composeFile, err)
			os.Exit(1)
		}
		var promSvc *types.ServiceConfig
		for _, s := range project.Services {
			if strings.HasPrefix(s.Image, "prom/prometheus") || strings.Contains(s.Image, "/prometheus/prometheus") {
				s := s
				promSvc = &s
			}
		}
		if promSvc == nil {
			p.addf("%s: no prometheus service", *composeFile)
		} else {
			// Every Sluice process is scraped on the port it serves /metrics on.
			for _, name := range sortedServiceNames(project) {
				s := project.Services[name]
				if !sluiceBuilt(s) {
					continue
				}
				port := ""
				if v := s.Environment["PORT"]; v != nil {
					port = *v
				}
				if _, ok := targets[name+":"+port]; !ok {
					p.addf("%s: service %s serves /metrics on %s:%s, which is not a scrape target of %s", *composeFile, name, name, port, file)
				}
			}
			for _, pattern := range cfg.RuleFiles {
				host := hostPath(promSvc, pattern)
				if host == "" {
					p.addf("%s: rule file %s is not mounted into the prometheus service", file, pattern)
					continue
				}
				groups, errs := rulefmt.ParseFile(host, false, model.UTF8Validation, parser.NewParser(parser.Options{}), logger)
				for _, e := range errs {
					p.addf("rule file %s: %v", host, e)
				}
				if groups == nil {
					continue
				}
				for _, g := range groups.Groups {
					for _, r := range g.Rules {
						ruleCount++
						name := r.Alert
						if name == "" {
							name = r.Record
						}
						if exported != nil {
							checkExprMetrics(fmt.Sprintf("rule file %s: %s", host, name), r.Expr, exported, p)
						}
					}
				}
			}
		}
	}
	p.exit("prometheus")
	var list []string
	for t, job := range targets {
		list = append(list, job+"/"+t)
	}
	sort.Strings(list)
	fmt.Printf("prometheus: %s decodes strictly into Prometheus's config fields (subset: global, rule_files, scrape_configs); %d scrape targets: %s\n", file, len(list), strings.Join(list, ", "))
	if *composeFile != "" {
		fmt.Printf("prometheus: every service built from deploy/docker/Dockerfile is scraped; %d rules parse with rulefmt (promtool check rules)%s\n",
			ruleCount, map[bool]string{true: " and read only metrics Sluice exports", false: ""}[exported != nil])
	}
}

func sortedServiceNames(project *types.Project) []string {
	names := project.ServiceNames()
	sort.Strings(names)
	return names
}

// hostPath maps a path inside a compose service to the bind-mounted file on the host.
func hostPath(s *types.ServiceConfig, inContainer string) string {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if v.Target == inContainer {
			return v.Source
		}
		if rel, ok := strings.CutPrefix(inContainer, strings.TrimSuffix(v.Target, "/")+"/"); ok {
			return path.Join(v.Source, rel)
		}
	}
	return ""
}
