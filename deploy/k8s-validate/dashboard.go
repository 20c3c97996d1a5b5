package main

// Grafana dashboard JSON: the structure Grafana needs to load and lay it out (uid, title, schema version,
// unique panel ids, a 24-column grid without overlaps, targets with unique refIds, datasources that
// resolve), every PromQL expression parsed by Prometheus's parser, and every metric it charts exported
// by a Sluice service. With -compose, the Grafana provisioning the compose file mounts is checked too:
// the datasource uid, and a dashboard provider whose path holds the dashboard.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	sigsyaml "sigs.k8s.io/yaml"
)

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int      `json:"id"`
	Type       string   `json:"type"`
	Title      string   `json:"title"`
	Datasource *dsRef   `json:"datasource"`
	GridPos    *gridPos `json:"gridPos"`
	Targets    []target `json:"targets"`
	Panels     []panel  `json:"panels"` // a collapsed row keeps its panels here
	Collapsed  bool     `json:"collapsed"`
}

type gridPos struct {
	H *int `json:"h"`
	W *int `json:"w"`
	X *int `json:"x"`
	Y *int `json:"y"`
}

type target struct {
	RefID      string `json:"refId"`
	Expr       string `json:"expr"`
	Datasource *dsRef `json:"datasource"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *dsRef          `json:"datasource"`
}

var uidPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)
var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

var knownPanelTypes = map[string]bool{"row": true, "timeseries": true, "stat": true, "gauge": true, "bargauge": true, "table": true,
	"text": true, "heatmap": true, "piechart": true, "logs": true, "state-timeline": true, "status-history": true, "barchart": true, "histogram": true}

func runDashboard(args []string) {
	fs := flag.NewFlagSet("dashboard", flag.ExitOnError)
	metricsFile := fs.String("metrics", "", "exported metric families (name type per line)")
	composeFile := fs.String("compose", "", "docker-compose.yml whose grafana service provisions the dashboards")
	_ = fs.Parse(args)
	if fs.NArg() == 0 || *metricsFile == "" {
		usage()
	}
	p := &problems{}
	exported, err := readExported(*metricsFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dashboard: %v\n", err)
		os.Exit(1)
	}

	var provisioned map[string]bool
	if *composeFile != "" {
		provisioned = checkGrafanaProvisioning(*composeFile, fs.Args(), p)
	}

	charted := map[string]bool{}
	exprs := 0
	for _, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			p.addf("%s: %v", file, err)
			continue
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			p.addf("%s: not valid dashboard JSON: %v", file, err)
			continue
		}
		if !uidPattern.MatchString(d.UID) {
			p.addf("%s: uid %q must be 1-40 letters, digits, - or _ (Grafana refuses others)", file, d.UID)
		}
		if strings.TrimSpace(d.Title) == "" {
			p.addf("%s: title is empty", file)
		}
		if d.SchemaVersion < 36 {
			p.addf("%s: schemaVersion %d is older than Grafana 9 dashboards (36)", file, d.SchemaVersion)
		}
		vars := map[string]variable{}
		for i, v := range d.Templating.List {
			if v.Name == "" {
				p.addf("%s: templating.list[%d] has no name", file, i)
			}
			if _, dup := vars[v.Name]; dup {
				p.addf("%s: template variable %q is declared twice", file, v.Name)
			}
			vars[v.Name] = v
		}
		resolve := func(where string, ds *dsRef) {
			if ds == nil {
				return
			}
			if ds.Type != "" && ds.Type != "prometheus" && ds.Type != "grafana" {
				p.addf("%s: datasource type %q (only Prometheus is provisioned)", where, ds.Type)
			}
			if ds.Type == "grafana" {
				return
			}
			uid := ds.UID
			if m := regexp.MustCompile(`^\$\{?([A-Za-z0-9_]+)\}?$`).FindStringSubmatch(uid); m != nil {
				if v, ok := vars[m[1]]; !ok || v.Type != "datasource" {
					p.addf("%s: datasource uid %s refers to no datasource variable", where, uid)
				}
				return
			}
			if provisioned != nil && !provisioned[uid] {
				p.addf("%s: datasource uid %q is not a provisioned datasource (have %s)", where, uid, joinSorted(keys(provisioned)))
			}
		}
		for _, v := range d.Templating.List {
			where := fmt.Sprintf("%s: variable %s", file, v.Name)
			resolve(where, v.Datasource)
			if v.Type != "query" {
				continue
			}
			q := queryText(v.Query)
			if m := labelValues.FindStringSubmatch(q); m != nil {
				for _, n := range checkExprMetrics(where, substituteGrafana(m[1]), exported, p) {
					charted[n] = true
				}
			} else if q != "" {
				p.addf("%s: query %q: expected label_values(<selector>, <label>)", where, q)
			}
		}

		var all []panel
		for _, pn := range d.Panels {
			all = append(all, pn)
			all = append(all, pn.Panels...)
		}
		ids := map[int]bool{}
		type rect struct {
			x, y, w, h int
			title      string
		}
		var rects []rect
		for _, pn := range all {
			where := fmt.Sprintf("%s: panel %d %q", file, pn.ID, pn.Title)
			if pn.ID <= 0 {
				p.addf("%s: id must be a positive integer", where)
			} else if ids[pn.ID] {
				p.addf("%s: panel id %d is used twice", where, pn.ID)
			}
			ids[pn.ID] = true
			if !knownPanelTypes[pn.Type] {
				p.addf("%s: unknown panel type %q", where, pn.Type)
			}
			g := pn.GridPos
			if g == nil || g.H == nil || g.W == nil || g.X == nil || g.Y == nil {
				p.addf("%s: gridPos needs h, w, x and y", where)
			} else {
				if *g.W < 1 || *g.H < 1 || *g.X < 0 || *g.Y < 0 || *g.X+*g.W > 24 {
					p.addf("%s: gridPos %+v does not fit the 24-column grid", where, map[string]int{"h": *g.H, "w": *g.W, "x": *g.X, "y": *g.Y})
				}
				r := rect{*g.X, *g.Y, *g.W, *g.H, pn.Title}
				for _, o := range rects {
					if r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h {
						p.addf("%s: overlaps panel %q", where, o.title)
					}
				}
				rects = append(rects, r)
			}
			if pn.Type == "row" || pn.Type == "text" {
				continue
			}
			resolve(where, pn.Datasource)
			if len(pn.Targets) == 0 {
				p.addf("%s: no targets", where)
			}
			refs := map[string]bool{}
			for i, t := range pn.Targets {
				tw := fmt.Sprintf("%s target %s", where, t.RefID)
				if t.RefID == "" || refs[t.RefID] {
					p.addf("%s: targets[%d].refId %q is empty or repeated", where, i, t.RefID)
				}
				refs[t.RefID] = true
				resolve(tw, t.Datasource)
				if strings.TrimSpace(t.Expr) == "" {
					p.addf("%s: expr is empty", tw)
					continue
				}
				exprs++
				for _, n := range checkExprMetrics(tw, substituteGrafana(t.Expr), exported, p) {
					charted[n] = true
				}
			}
		}
	}
	p.exit("dashboard")

	var list []string
	for n := range charted {
		list = append(list, n)
	}
	sort.Strings(list)
	fmt.Printf("dashboard: %s valid: layout, ids, refIds and datasources; %d PromQL expressions parse; all %d metrics charted are exported by Sluice services: %s\n",
		strings.Join(fs.Args(), ", "), exprs, len(list), strings.Join(list, ", "))
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// queryText: a variable query is either a string or {query: string, …} depending on the Grafana version.
func queryText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Query
	}
	return ""
}

// The fields of Grafana's datasource provisioning format (decoded strictly: a misspelt key is an error).
type datasourceFile struct {
	APIVersion        int `json:"apiVersion"`
	DeleteDatasources []struct {
		Name  string `json:"name"`
		OrgID int    `json:"orgId"`
	} `json:"deleteDatasources"`
	Prune       bool `json:"prune"`
	Datasources []struct {
		Name            string            `json:"name"`
		UID             string            `json:"uid"`
		Type            string            `json:"type"`
		URL             string            `json:"url"`
		Access          string            `json:"access"`
		OrgID           int               `json:"orgId"`
		User            string            `json:"user"`
		Database        string            `json:"database"`
		BasicAuth       bool              `json:"basicAuth"`
		BasicAuthUser   string            `json:"basicAuthUser"`
		WithCredentials bool              `json:"withCredentials"`
		IsDefault       bool              `json:"isDefault"`
		JSONData        map[string]any    `json:"jsonData"`
		SecureJSONData  map[string]string `json:"secureJsonData"`
		Version         int               `json:"version"`
		Editable        bool              `json:"editable"`
	} `json:"datasources"`
}

type providerFile struct {
	APIVersion int `json:"apiVersion"`
	Providers  []struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Options struct {
			Path string `json:"path"`
		} `json:"options"`
	} `json:"providers"`
}

// checkGrafanaProvisioning reads what the compose grafana service mounts under /etc/grafana/provisioning
// and returns the provisioned datasource uids.
func checkGrafanaProvisioning(composeFile string, dashboards []string, p *problems) map[string]bool {
	project, err := loadCompose(composeFile)
	if err != nil {
		p.addf("%s: %v", composeFile, err)
		return nil
	}
	var g *types.ServiceConfig
	for _, s := range project.Services {
		if strings.HasPrefix(s.Image, "grafana/grafana") {
			s := s
			g = &s
		}
	}
	if g == nil {
		p.addf("%s: no grafana service", composeFile)
		return nil
	}
	uids := map[string]bool{}
	dsDir := hostPath(g, "/etc/grafana/provisioning/datasources")
	dbDir := hostPath(g, "/etc/grafana/provisioning/dashboards")
	if dsDir == "" || dbDir == "" {
		p.addf("%s: grafana does not mount /etc/grafana/provisioning/{datasources,dashboards}", composeFile)
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(dsDir, "*.y*ml"))
	for _, f := range files {
		var df datasourceFile
		raw, _ := os.ReadFile(f)
		if err := sigsyaml.UnmarshalStrict(raw, &df); err != nil {
			p.addf("%s: %v", f, err)
			continue
		}
		if df.APIVersion != 1 {
			p.addf("%s: apiVersion must be 1", f)
		}
		for _, ds := range df.Datasources {
			if ds.UID == "" || ds.Type == "" || ds.URL == "" {
				p.addf("%s: datasource %q needs uid, type and url", f, ds.Name)
			}
			if ds.Type == "prometheus" {
				host := strings.TrimPrefix(strings.TrimPrefix(ds.URL, "http://"), "https://")
				host = strings.Split(host, ":")[0]
				if _, ok := project.Services[host]; !ok {
					p.addf("%s: datasource %q points at %s, which is not a compose service", f, ds.Name, ds.URL)
				}
			}
			uids[ds.UID] = true
		}
	}
	if len(uids) == 0 {
		p.addf("%s: no datasource is provisioned", dsDir)
	}
	files, _ = filepath.Glob(filepath.Join(dbDir, "*.y*ml"))
	found := map[string]bool{}
	for _, f := range files {
		var pf providerFile
		raw, _ := os.ReadFile(f)
		if err := sigsyaml.Unmarshal(raw, &pf); err != nil {
			p.addf("%s: %v", f, err)
			continue
		}
		for _, pr := range pf.Providers {
			if pr.Type != "file" {
				continue
			}
			dir := hostPath(g, pr.Options.Path)
			if dir == "" {
				p.addf("%s: provider %q reads %s, which grafana does not mount", f, pr.Name, pr.Options.Path)
				continue
			}
			for _, d := range dashboards {
				abs, _ := filepath.Abs(d)
				if filepath.Dir(abs) == filepath.Clean(dir) {
					found[d] = true
				}
			}
		}
	}
	for _, d := range dashboards {
		if !found[d] {
			p.addf("%s: no Grafana dashboard provider in %s loads it", d, dbDir)
		}
	}
	return uids
}
