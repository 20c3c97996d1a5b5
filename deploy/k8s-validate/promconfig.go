package main

// prometheus.yml, decoded strictly (yaml UnmarshalStrict, as Prometheus's loader does) into the
// sections and fields of Prometheus v0.315's config package that Sluice's compose stack uses, with the
// value types and checks Prometheus applies to them (model.Duration, label sets, relabel.Config,
// targetgroup.Group; rule-file globs, unique job names, timeout <= interval, no URLs as targets).
// Why not config.LoadFile itself: the config package imports every remote-write authenticator (the
// AWS, Azure and Google SDKs, gRPC, OpenTelemetry) — over 300 packages to compile for a 30-line file.
// The price: a field this subset does not know is refused as unknown even where Prometheus would accept
// it; extend the structs below (names and types from prometheus/config/config.go) when you add one.

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"github.com/prometheus/prometheus/model/relabel"
	yaml "go.yaml.in/yaml/v2"
)

type promConfig struct {
	Global        promGlobal          `yaml:"global"`
	RuleFiles     []string            `yaml:"rule_files,omitempty"`
	ScrapeConfigs []*promScrapeConfig `yaml:"scrape_configs,omitempty"`
}

type promGlobal struct {
	ScrapeInterval     model.Duration    `yaml:"scrape_interval,omitempty"`
	ScrapeTimeout      model.Duration    `yaml:"scrape_timeout,omitempty"`
	EvaluationInterval model.Duration    `yaml:"evaluation_interval,omitempty"`
	RuleQueryOffset    model.Duration    `yaml:"rule_query_offset,omitempty"`
	ExternalLabels     map[string]string `yaml:"external_labels,omitempty"`
	QueryLogFile       string            `yaml:"query_log_file,omitempty"`
	SampleLimit        uint              `yaml:"sample_limit,omitempty"`
	TargetLimit        uint              `yaml:"target_limit,omitempty"`
	LabelLimit         uint              `yaml:"label_limit,omitempty"`
}

type promScrapeConfig struct {
	JobName              string               `yaml:"job_name"`
	HonorLabels          bool                 `yaml:"honor_labels,omitempty"`
	HonorTimestamps      *bool                `yaml:"honor_timestamps,omitempty"`
	Params               map[string][]string  `yaml:"params,omitempty"`
	ScrapeInterval       model.Duration       `yaml:"scrape_interval,omitempty"`
	ScrapeTimeout        model.Duration       `yaml:"scrape_timeout,omitempty"`
	MetricsPath          string               `yaml:"metrics_path,omitempty"`
	Scheme               string               `yaml:"scheme,omitempty"`
	SampleLimit          uint                 `yaml:"sample_limit,omitempty"`
	TargetLimit          uint                 `yaml:"target_limit,omitempty"`
	LabelLimit           uint                 `yaml:"label_limit,omitempty"`
	StaticConfigs        []*targetgroup.Group `yaml:"static_configs,omitempty"`
	RelabelConfigs       []*relabel.Config    `yaml:"relabel_configs,omitempty"`
	MetricRelabelConfigs []*relabel.Config    `yaml:"metric_relabel_configs,omitempty"`
}

// Prometheus's patRulePath and defaults (config.go).
var promRulePath = regexp.MustCompile(`^[^*]*(\*[^/]*)?$`)

const (
	promDefaultScrapeInterval = model.Duration(time.Minute)
	promDefaultScrapeTimeout  = model.Duration(10 * time.Second)
	promDefaultEvalInterval   = model.Duration(time.Minute)
)

func loadPromConfig(file string) (*promConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	cfg := &promConfig{}
	if err := yaml.UnmarshalStrict(data, cfg); err != nil {
		if strings.Contains(err.Error(), "not found in type") {
			return nil, fmt.Errorf("%v (fields this check knows: global, rule_files, scrape_configs with static_configs and relabel_configs; see promconfig.go)", err)
		}
		return nil, err
	}
	g := &cfg.Global
	for name, value := range g.ExternalLabels {
		if !model.LabelName(name).IsValid() {
			return nil, fmt.Errorf("global.external_labels: %q is not a valid label name", name)
		}
		if !model.LabelValue(value).IsValid() {
			return nil, fmt.Errorf("global.external_labels: %q is not a valid label value", value)
		}
	}
	if g.ScrapeInterval == 0 {
		g.ScrapeInterval = promDefaultScrapeInterval
	}
	if g.ScrapeTimeout > g.ScrapeInterval {
		return nil, errors.New("global scrape timeout greater than scrape interval")
	}
	if g.ScrapeTimeout == 0 {
		g.ScrapeTimeout = min(promDefaultScrapeTimeout, g.ScrapeInterval)
	}
	if g.EvaluationInterval == 0 {
		g.EvaluationInterval = promDefaultEvalInterval
	}
	for _, rf := range cfg.RuleFiles {
		if !promRulePath.MatchString(rf) {
			return nil, fmt.Errorf("invalid rule file path %q", rf)
		}
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		if sc == nil {
			return nil, errors.New("empty or null scrape config section")
		}
		if sc.JobName == "" {
			return nil, errors.New("job_name is empty")
		}
		if jobs[sc.JobName] {
			return nil, fmt.Errorf("found multiple scrape configs with job name %q", sc.JobName)
		}
		jobs[sc.JobName] = true
		if sc.ScrapeInterval == 0 {
			sc.ScrapeInterval = g.ScrapeInterval
		}
		if sc.ScrapeTimeout > sc.ScrapeInterval {
			return nil, fmt.Errorf("scrape timeout greater than scrape interval for scrape config with job name %q", sc.JobName)
		}
		if sc.ScrapeTimeout == 0 {
			sc.ScrapeTimeout = min(g.ScrapeTimeout, sc.ScrapeInterval)
		}
		if sc.MetricsPath == "" {
			sc.MetricsPath = "/metrics"
		}
		if !strings.HasPrefix(sc.MetricsPath, "/") {
			return nil, fmt.Errorf("job %q: metrics_path %q must start with /", sc.JobName, sc.MetricsPath)
		}
		switch sc.Scheme {
		case "":
			sc.Scheme = "http"
		case "http", "https":
		default:
			return nil, fmt.Errorf("job %q: scheme %q must be http or https", sc.JobName, sc.Scheme)
		}
		for _, rl := range append(append([]*relabel.Config{}, sc.RelabelConfigs...), sc.MetricRelabelConfigs...) {
			if rl == nil {
				return nil, fmt.Errorf("job %q: empty or null relabeling rule", sc.JobName)
			}
			if err := rl.Validate(model.UTF8Validation); err != nil {
				return nil, fmt.Errorf("job %q: %v", sc.JobName, err)
			}
		}
		for _, tg := range sc.StaticConfigs {
			if tg == nil {
				return nil, fmt.Errorf("job %q: empty static_configs entry", sc.JobName)
			}
			if err := tg.Labels.Validate(); err != nil {
				return nil, fmt.Errorf("job %q: static_configs labels: %v", sc.JobName, err)
			}
			for _, t := range tg.Targets {
				// Prometheus's CheckTargetAddress (only without relabel_configs, which may rewrite it).
				if len(sc.RelabelConfigs) == 0 && strings.Contains(string(t[model.AddressLabel]), "/") {
					return nil, fmt.Errorf("%q is not a valid hostname", t[model.AddressLabel])
				}
			}
		}
	}
	return cfg, nil
}
