package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

// ruleFile is a Prometheus rule file; its groups have the PrometheusRule's types, so both decode alike.
type ruleFile struct {
	Groups []monitoringv1.RuleGroup `json:"groups"`
}

// The PrometheusRule made from deploy/prometheus/alerts.yaml. Its labels are what kube-prometheus-stack's
// default ruleSelector matches (docs/deploy.md "Monitoring").
const prometheusRuleHeader = `# GENERATED from deploy/prometheus/alerts.yaml by "bash scripts/check-deploy.sh --write-rule": do not edit.
# npm run check:deploy fails when this object's groups differ from that file's.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: summary-pipeline-alerts
  labels:
    release: kube-prometheus-stack
    role: alert-rules
spec:
`

var (
	metricDefinition = regexp.MustCompile(`kind:\s*'(counter|gauge|histogram)',\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'`)
	// summary_* identifiers in an expression; label values such as "summary.watermark-advanced" do not match.
	metricReference = regexp.MustCompile(`\bsummary_[a-zA-Z0-9_]*\b`)
)

// loadMetrics reads the metric names the services define (libs/common/src/metrics/metrics.ts,
// METRIC_DEFINITIONS); a histogram is queried through its _bucket, _sum and _count series.
func loadMetrics(file string) (map[string]bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, m := range metricDefinition.FindAllStringSubmatch(string(data), -1) {
		if m[1] == "histogram" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				known[m[2]+suffix] = true
			}
		} else {
			known[m[2]] = true
		}
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("no metric definitions found (expected entries like kind: 'counter', name: 'summary_...')")
	}
	return known, nil
}

// checkMetricNames reports every summary_* series an expression names that no service defines.
func checkMetricNames(where, expr string, known map[string]bool, p *problems) {
	seen := map[string]bool{}
	for _, name := range metricReference.FindAllString(expr, -1) {
		if !known[name] && !seen[name] {
			seen[name] = true
			p.add(where, "unknown metric %s (not defined in the services' METRIC_DEFINITIONS)", name)
		}
	}
}

func readRuleFile(file string, p *problems) *ruleFile {
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(file, "%v", err)
		return nil
	}
	var rf ruleFile
	for _, e := range strictDecode(data, &rf) {
		p.add(file, "%s", e)
	}
	if len(rf.Groups) == 0 {
		p.add(file, "no rule groups")
	}
	return &rf
}

func ruleName(r monitoringv1.Rule) string {
	if r.Alert != "" {
		return "alert " + r.Alert
	}
	return "record " + r.Record
}

func runRules(args []string) {
	fs := flag.NewFlagSet("rules", flag.ExitOnError)
	metricsFile := fs.String("metrics", "", "metrics.ts with METRIC_DEFINITIONS")
	_ = fs.Parse(args)
	if *metricsFile == "" || fs.NArg() < 2 {
		usage()
	}
	alertsFile, manifests := fs.Arg(0), fs.Args()[1:]
	var p problems
	known, err := loadMetrics(*metricsFile)
	if err != nil {
		p.add(*metricsFile, "%v", err)
		p.exit("")
	}
	rf := readRuleFile(alertsFile, &p)
	if rf == nil {
		p.exit("")
	}
	rules := 0
	for _, g := range rf.Groups {
		for i, r := range g.Rules {
			rules++
			where := fmt.Sprintf("%s: group %q rule %d (%s)", alertsFile, g.Name, i+1, ruleName(r))
			checkMetricNames(where, r.Expr.String(), known, &p)
			if r.Alert != "" {
				for _, key := range []string{"summary", "description", "runbook"} {
					if r.Annotations[key] == "" {
						p.add(where, "annotation %q is missing", key)
					}
				}
				if r.Labels["severity"] == "" {
					p.add(where, "label \"severity\" is missing")
				}
			}
		}
	}
	for _, m := range manifests {
		compareWithPrometheusRules(alertsFile, m, rf.Groups, &p)
	}
	p.exit(fmt.Sprintf("ok %s: %d rules name only defined metrics; the PrometheusRule of %d rendering(s) holds the same groups",
		alertsFile, rules, len(manifests)))
}

// compareWithPrometheusRules: the PrometheusRule objects of one rendered overlay hold exactly the groups
// of alerts.yaml (compared as decoded values, so formatting and comments do not matter).
func compareWithPrometheusRules(alertsFile, manifestFile string, want []monitoringv1.RuleGroup, p *problems) {
	data, err := os.ReadFile(manifestFile)
	if err != nil {
		p.add(manifestFile, "%v", err)
		return
	}
	docs, err := splitYAML(data)
	if err != nil {
		p.add(manifestFile, "%v", err)
		return
	}
	var got []monitoringv1.RuleGroup
	found := 0
	for _, doc := range docs {
		obj, errs := decodeManifest(doc)
		if pr, ok := obj.value.(*monitoringv1.PrometheusRule); ok && len(errs) == 0 {
			found++
			got = append(got, pr.Spec.Groups...)
		}
	}
	fix := `regenerate it with "bash scripts/check-deploy.sh --write-rule"`
	if found == 0 {
		p.add(manifestFile, "no PrometheusRule object: the alerts of %s are not deployed", alertsFile)
		return
	}
	wantByName := map[string]monitoringv1.RuleGroup{}
	for _, g := range want {
		wantByName[g.Name] = g
	}
	gotByName := map[string]monitoringv1.RuleGroup{}
	for _, g := range got {
		gotByName[g.Name] = g
		if _, ok := wantByName[g.Name]; !ok {
			p.add(manifestFile, "PrometheusRule group %q is not in %s; %s", g.Name, alertsFile, fix)
		}
	}
	for _, g := range want {
		other, ok := gotByName[g.Name]
		if !ok {
			p.add(manifestFile, "PrometheusRule lacks group %q of %s; %s", g.Name, alertsFile, fix)
			continue
		}
		if canonical(g) == canonical(other) {
			continue
		}
		p.add(manifestFile, "PrometheusRule group %q differs from %s (%s); %s", g.Name, alertsFile, firstDifference(g, other), fix)
	}
}

func canonical(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func firstDifference(want, got monitoringv1.RuleGroup) string {
	if len(want.Rules) != len(got.Rules) {
		return fmt.Sprintf("%d rules in the file, %d in the PrometheusRule", len(want.Rules), len(got.Rules))
	}
	for i := range want.Rules {
		if canonical(want.Rules[i]) != canonical(got.Rules[i]) {
			return fmt.Sprintf("rule %d (%s): file %s, PrometheusRule %s",
				i+1, ruleName(want.Rules[i]), truncate(canonical(want.Rules[i])), truncate(canonical(got.Rules[i])))
		}
	}
	return "group settings differ"
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// runPrometheusRule prints alerts.yaml as a PrometheusRule: the header above, then the file's groups
// indented under spec (comments and block scalars kept as written).
func runPrometheusRule(args []string) {
	if len(args) != 1 {
		usage()
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	start := -1
	for i, line := range lines {
		if strings.HasPrefix(line, "groups:") {
			start = i
			break
		}
	}
	if start < 0 {
		fmt.Fprintf(os.Stderr, "%s: no top-level \"groups:\" key\n", args[0])
		os.Exit(1)
	}
	var out strings.Builder
	out.WriteString(prometheusRuleHeader)
	for _, line := range lines[start:] {
		if line == "" {
			out.WriteString("\n")
		} else {
			out.WriteString("  " + line + "\n")
		}
	}
	fmt.Print(out.String())
}
