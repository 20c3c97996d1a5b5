package main

// Which metric names a PromQL expression reads, and whether Sluice exports them. The list of exported
// families comes from deploy/k8s-validate/exported-metrics.js: the prom-client registry of the built
// services (authoritative names and types) plus metric names declared in the TypeScript sources.

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type metricFamily struct {
	name, typ, source string
}

// Series Prometheus itself adds to every scrape; not exported by any service, always present.
var prometheusSynthetic = map[string]bool{
	"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true,
	"scrape_samples_post_metric_relabeling": true, "scrape_series_added": true,
}

func readExported(file string) (map[string]metricFamily, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]metricFamily{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		source := ""
		if len(fields) > 2 {
			source = fields[2]
		}
		// A typed entry from a live registry beats a name found in source code.
		if prev, ok := out[fields[0]]; ok && prev.typ != "unknown" {
			continue
		}
		out[fields[0]] = metricFamily{name: fields[0], typ: fields[1], source: source}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no exported metrics", file)
	}
	return out, nil
}

// seriesFamily finds the family a series name belongs to (histogram _bucket/_sum/_count and so on).
func seriesFamily(series string, exported map[string]metricFamily) (metricFamily, bool) {
	if f, ok := exported[series]; ok && (f.typ == "counter" || f.typ == "gauge" || f.typ == "untyped" || f.typ == "summary" || f.typ == "unknown") {
		return f, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(series, suffix)
		if !ok {
			continue
		}
		if f, ok := exported[base]; ok {
			switch {
			case f.typ == "histogram", f.typ == "unknown":
				return f, true
			case f.typ == "summary" && suffix != "_bucket":
				return f, true
			}
		}
	}
	return metricFamily{}, false
}

var grafanaVar = regexp.MustCompile(`\$\{?(__rate_interval|__interval|__range_ms|__range_s|__range)\}?|\$\{([A-Za-z0-9_]+)(:[a-z]+)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]`)

// substituteGrafana replaces Grafana's variables with values that keep the expression valid PromQL.
func substituteGrafana(expr string) string {
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		switch {
		case strings.Contains(m, "__rate_interval"), strings.Contains(m, "__interval"):
			return "1m"
		case strings.Contains(m, "__range_s"), strings.Contains(m, "__range_ms"):
			return "3600"
		case strings.Contains(m, "__range"):
			return "1h"
		}
		return ".*"
	})
}

// exprMetrics parses an expression and returns the metric names its selectors read.
func exprMetrics(expr string) ([]string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	var problem error
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
		}
		if name == "" {
			problem = fmt.Errorf("selector %s does not name its metric", vs.String())
			return nil
		}
		names = append(names, name)
		return nil
	})
	return names, problem
}

// checkExprMetrics: the expression parses and every metric it reads is exported by a Sluice service.
func checkExprMetrics(where, expr string, exported map[string]metricFamily, p *problems) []string {
	names, err := exprMetrics(expr)
	if err != nil {
		p.addf("%s: %v (expression: %s)", where, err, expr)
		return nil
	}
	for _, n := range names {
		if prometheusSynthetic[n] {
			continue
		}
		if _, ok := seriesFamily(n, exported); !ok {
			p.addf("%s: metric %s is not exported by any Sluice service (expression: %s)", where, n, expr)
		}
	}
	return names
}
