package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Grafana dashboard JSON, only the parts the check reads (the format has many more fields).
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Options []struct {
				Value any `json:"value"`
			} `json:"options"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int             `json:"id"`
	Title      string          `json:"title"`
	Type       string          `json:"type"`
	Datasource json.RawMessage `json:"datasource"`
	Targets    []struct {
		RefID      string          `json:"refId"`
		Expr       string          `json:"expr"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
	GridPos *struct {
		H, W int
	} `json:"gridPos"`
	Panels []panel `json:"panels"`
}

type recordingRule struct {
	Record string `json:"record"`
	Expr   string `json:"expr"`
}

type recordingGroup struct {
	Name  string          `json:"name"`
	Rules []recordingRule `json:"rules"`
}

// Grafana's built-in interval variables, replaced by a typical value so that promtool can parse the query.
var builtinVariables = map[string]string{"__rate_interval": "2m", "__interval": "1m", "__range": "1h", "__range_s": "3600", "__interval_ms": "60000"}

var recordIdent = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// $name, ${name}, ${name:format} and [[name]].
var variableReference = regexp.MustCompile(`\$\{([a-zA-Z0-9_]+)(?::[a-zA-Z0-9_]+)?\}|\$([a-zA-Z0-9_]+)|\[\[([a-zA-Z0-9_]+)\]\]`)

// runPanels writes every panel query of the dashboards as a recording rule, one group per query, so that
// `promtool check rules` parses each with the real PromQL parser; the group name says where it came from.
func runPanels(args []string) {
	fs := flag.NewFlagSet("panels", flag.ExitOnError)
	metricsFile := fs.String("metrics", "", "metrics.ts with METRIC_DEFINITIONS")
	out := fs.String("out", "", "rule file to write")
	_ = fs.Parse(args)
	if *metricsFile == "" || *out == "" || fs.NArg() == 0 {
		usage()
	}
	var p problems
	known, err := loadMetrics(*metricsFile)
	if err != nil {
		p.add(*metricsFile, "%v", err)
		p.exit("")
	}
	var groups []recordingGroup
	for _, file := range fs.Args() {
		groups = append(groups, dashboardQueries(file, known, &p)...)
	}
	data, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		p.add(*out, "%v", err)
	} else if err := os.WriteFile(*out, data, 0o644); err != nil {
		p.add(*out, "%v", err)
	}
	p.exit(fmt.Sprintf("ok %d panel queries from %d dashboard(s) written to %s", len(groups), fs.NArg(), *out))
}

func dashboardQueries(file string, known map[string]bool, p *problems) []recordingGroup {
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(file, "%v", err)
		return nil
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		p.add(file, "not a dashboard JSON: %v", err)
		return nil
	}
	if d.UID == "" || d.Title == "" {
		p.add(file, "the dashboard needs a uid and a title (provisioning keys dashboards by uid)")
	}
	values := map[string]string{}
	for k, v := range builtinVariables {
		values[k] = v
	}
	for _, v := range d.Templating.List {
		switch {
		case v.Type == "datasource":
			values[v.Name] = "datasource"
		case v.Type == "interval" && len(v.Options) > 0:
			values[v.Name] = fmt.Sprint(v.Options[0].Value)
		default:
			values[v.Name] = ".*" // query/custom variables stand in label matchers: service=~"$service"
		}
	}
	var groups []recordingGroup
	ids := map[int]string{}
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, pn := range panels {
			where := fmt.Sprintf("%s: panel %d %q", filepath.Base(file), pn.ID, pn.Title)
			if other, dup := ids[pn.ID]; dup {
				p.add(where, "panel id %d is also used by %q", pn.ID, other)
			}
			ids[pn.ID] = pn.Title
			if pn.GridPos == nil || pn.GridPos.H == 0 || pn.GridPos.W == 0 {
				p.add(where, "gridPos (h, w, x, y) is missing")
			}
			walk(pn.Panels)
			if pn.Type == "row" || pn.Type == "text" {
				continue
			}
			if len(pn.Targets) == 0 {
				p.add(where, "has no query")
			}
			for _, t := range pn.Targets {
				tw := fmt.Sprintf("%s query %s", where, t.RefID)
				if !isPrometheus(t.Datasource) && !isPrometheus(pn.Datasource) {
					p.add(tw, "datasource must be the Prometheus one (type prometheus, uid ${datasource})")
				}
				if strings.TrimSpace(t.Expr) == "" {
					p.add(tw, "empty expr")
					continue
				}
				expr, unknown := substitute(t.Expr, values)
				for _, name := range unknown {
					p.add(tw, "unknown template variable $%s", name)
				}
				checkMetricNames(tw, expr, known, p)
				dashboard := recordIdent.ReplaceAllString(strings.TrimSuffix(filepath.Base(file), ".json"), "_")
				record := fmt.Sprintf("dashboard:%s:panel_%d_%s", dashboard, pn.ID, recordIdent.ReplaceAllString(t.RefID, "_"))
				groups = append(groups, recordingGroup{Name: tw, Rules: []recordingRule{{Record: record, Expr: expr}}})
			}
		}
	}
	walk(d.Panels)
	if len(groups) == 0 {
		p.add(file, "no panel queries")
	}
	return groups
}

func isPrometheus(raw json.RawMessage) bool {
	var ds struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	return len(raw) > 0 && json.Unmarshal(raw, &ds) == nil && ds.Type == "prometheus" && ds.UID != ""
}

func substitute(expr string, values map[string]string) (string, []string) {
	var unknown []string
	out := variableReference.ReplaceAllStringFunc(expr, func(ref string) string {
		m := variableReference.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		if v, ok := values[name]; ok {
			return v
		}
		unknown = append(unknown, name)
		return ref
	})
	return out, unknown
}
