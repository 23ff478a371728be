package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The role an IRSA account names: arn:aws:iam::<account>:role/summary-pipeline-<component>, whose
// documents are deploy/iam/<component>-policy.json and <component>-trust-policy.json.
var roleArn = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::\d{12}:role/summary-pipeline-([a-z0-9-]+)$`)

// ingestPolicy is the only policy that may write the source (the upstream load, never an in-cluster pod).
const ingestPolicy = "ingest-policy.json"

// sourceWrites: what "writes the source" means, matched against a statement's action patterns.
var sourceWrites = []string{"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "glue:UpdateTable", "glue:DeleteTable"}

// Documentation ranges (RFC 5737, RFC 3849): placeholders in a policy that the operator has not filled.
var placeholderNets = []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"}

// workload is one Deployment's or CronJob's pod template.
type workload struct {
	where  string
	labels labels.Set
	pod    *corev1.PodSpec
}

// runLeastPrivilege: the rendered overlay NAME (FILE) against the IAM documents in DIR — one account and
// one role per component, trust limited to that account, no source writes outside the ingest policy, and
// (with -egress) no egress rule to any address.
func runLeastPrivilege(args []string) {
	fs := flag.NewFlagSet("least-privilege", flag.ExitOnError)
	iamDir := fs.String("iam", "", "directory of the IAM policy documents")
	egress := fs.Bool("egress", false, "require every egress rule to name its destinations (prod)")
	release := fs.Bool("release", false, "fail on placeholder CIDRs instead of warning")
	_ = fs.Parse(args)
	if fs.NArg() != 2 || *iamDir == "" {
		usage()
	}
	name, file := fs.Arg(0), fs.Arg(1)
	var p problems
	objects := loadObjects(name, file, &p)
	workloads, accounts := workloadsAndAccounts(objects)
	checkAccounts(name, *iamDir, workloads, accounts, &p)
	checkSourceReadOnly(name, *iamDir, objects, &p)
	if *egress {
		checkEgress(name, objects, workloads, *release, &p)
	}
	egressNote := map[bool]string{true: ", egress to named destinations only", false: ""}[*egress]
	p.exit(fmt.Sprintf("ok %s: one role per component (%d accounts), the source read-only outside %s%s", name, len(workloads), ingestPolicy, egressNote))
}

func loadObjects(name, file string, p *problems) []object {
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(name, "%v", err)
		p.exit("")
	}
	docs, err := splitYAML(data)
	if err != nil {
		p.add(name, "cannot split the rendered YAML: %v", err)
		p.exit("")
	}
	var objects []object
	for _, doc := range docs {
		if obj, _ := decodeManifest(doc); obj.value != nil {
			objects = append(objects, obj)
		}
	}
	return objects
}

func workloadsAndAccounts(objects []object) ([]workload, map[string]*corev1.ServiceAccount) {
	var workloads []workload
	accounts := map[string]*corev1.ServiceAccount{}
	for _, o := range objects {
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			workloads = append(workloads, workload{o.String(), v.Spec.Template.Labels, &v.Spec.Template.Spec})
		case *batchv1.CronJob:
			workloads = append(workloads, workload{o.String(), v.Spec.JobTemplate.Spec.Template.Labels, &v.Spec.JobTemplate.Spec.Template.Spec})
		case *corev1.ServiceAccount:
			accounts[o.name] = v
		}
	}
	return workloads, accounts
}

// checkAccounts: every workload runs as its own account; in an overlay with IRSA every such account
// names its own role, whose policy and trust documents exist and trust exactly that account.
func checkAccounts(name, iamDir string, workloads []workload, accounts map[string]*corev1.ServiceAccount, p *problems) {
	usedBy := map[string]string{}
	irsa := false
	for _, sa := range accounts {
		if _, ok := sa.Annotations["eks.amazonaws.com/role-arn"]; ok {
			irsa = true
		}
	}
	roles := map[string]string{}
	for _, w := range workloads {
		where := name + ": " + w.where
		sa := w.pod.ServiceAccountName
		if sa == "" || sa == "default" {
			p.add(where, "runs as the namespace's default account: give the component its own ServiceAccount (and role)")
			continue
		}
		if other, ok := usedBy[sa]; ok {
			p.add(where, "shares ServiceAccount %s with %s: one account (and role) per component", sa, other)
		}
		usedBy[sa] = w.where
		account := accounts[sa]
		if !irsa || account == nil {
			continue
		}
		arn := account.Annotations["eks.amazonaws.com/role-arn"]
		m := roleArn.FindStringSubmatch(arn)
		if m == nil {
			p.add(where, "ServiceAccount %s: annotation eks.amazonaws.com/role-arn %q: expected arn:aws:iam::<account>:role/summary-pipeline-<component>", sa, arn)
			continue
		}
		component := m[1]
		if other, ok := roles[component]; ok {
			p.add(where, "ServiceAccount %s names role summary-pipeline-%s, as %s does: one role per component", sa, component, other)
		}
		roles[component] = sa
		if component+"-policy.json" == ingestPolicy {
			p.add(where, "ServiceAccount %s names the ingest role: only the upstream load may write the source", sa)
		}
		if _, err := os.Stat(filepath.Join(iamDir, component+"-policy.json")); err != nil {
			p.add(where, "ServiceAccount %s names role summary-pipeline-%s but %s has no %s-policy.json", sa, component, iamDir, component)
		}
		checkTrust(where, filepath.Join(iamDir, component+"-trust-policy.json"), fmt.Sprintf("system:serviceaccount:%s:%s", account.Namespace, sa), p)
	}
}

// checkTrust: the role may be assumed by web identity, and only by the one account.
func checkTrust(where, file, subject string, p *problems) {
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(where, "no trust policy: %v", err)
		return
	}
	var doc policyDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		p.add(where, "%s: %v", file, err)
		return
	}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		subs := 0
		for op, conds := range st.Condition {
			for key, value := range conds {
				if !strings.HasSuffix(key, ":sub") {
					continue
				}
				subs++
				if op != "StringEquals" || fmt.Sprint(value) != subject {
					p.add(where, "%s: statement %q: %s %s = %v; expected StringEquals %q (this account only)", file, st.Sid, op, key, value, subject)
				}
			}
		}
		if subs == 0 {
			p.add(where, "%s: statement %q has no condition on the token's sub: any account of the cluster could assume the role", file, st.Sid)
		}
	}
}

// checkSourceReadOnly: no policy but the ingest one lets anyone write the source table's S3 prefix or
// its catalog entry. The source and the warehouse come from the rendered overlay itself.
func checkSourceReadOnly(name, iamDir string, objects []object, p *problems) {
	warehouse, source := "", ""
	for _, o := range objects {
		if cm, ok := o.value.(*corev1.ConfigMap); ok {
			if v, ok := cm.Data["SUMMARY_WAREHOUSE"]; ok {
				warehouse = v
			}
			if v, ok := cm.Data["pipeline-config.json"]; ok {
				var cfg struct {
					SourceTable string `json:"source_table"`
				}
				_ = json.Unmarshal([]byte(v), &cfg)
				source = cfg.SourceTable
			}
		}
	}
	parts := strings.Split(source, ".")
	if !strings.HasPrefix(warehouse, "s3://") || len(parts) < 2 {
		return // not on S3 (base, dev): nothing to check against IAM
	}
	ns, table := parts[len(parts)-2], parts[len(parts)-1]
	root := "arn:aws:s3:::" + strings.TrimSuffix(strings.TrimPrefix(warehouse, "s3://"), "/")
	probes := []string{root + "/" + ns + "/" + table + "/data/probe.parquet", root + "/" + ns + "/" + table + "/metadata/probe.metadata.json"}
	glueProbe := "table/" + ns + "/" + table
	files, _ := filepath.Glob(filepath.Join(iamDir, "*-policy.json"))
	for _, file := range files {
		if filepath.Base(file) == ingestPolicy || strings.HasSuffix(file, "-trust-policy.json") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var doc policyDocument
		if json.Unmarshal(data, &doc) != nil {
			continue // the iam check reports it
		}
		for i, st := range doc.Statement {
			if st.Effect != "Allow" {
				continue
			}
			for _, action := range sourceWrites {
				if !anyGlob(st.Action, action) {
					continue
				}
				for _, r := range st.Resource {
					hit := (strings.HasPrefix(action, "s3:") && anyGlob([]string{r}, probes...)) ||
						(strings.HasPrefix(action, "glue:") && strings.HasPrefix(r, "arn:aws:glue:") && glob(arnResource(r), glueProbe))
					if hit {
						p.add(fmt.Sprintf("%s: statement %d %q", file, i+1, st.Sid),
							"allows %s on %s, which covers the source %s (%s): the source is read-only for every component but the ingest path (%s)",
							action, r, source, name, ingestPolicy)
					}
				}
			}
		}
	}
}

// checkEgress: every workload is under an egress policy, and no egress rule reaches any address.
func checkEgress(name string, objects []object, workloads []workload, release bool, p *problems) {
	var selectors []labels.Selector
	for _, o := range objects {
		np, ok := o.value.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		where := name + ": " + o.String()
		if hasEgressType(np) {
			if sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector); err == nil {
				selectors = append(selectors, sel)
			}
		}
		for i, rule := range np.Spec.Egress {
			if len(rule.To) == 0 {
				p.add(where, "egress rule %d has no `to:`, so it allows any destination: name the endpoints (docs/security.md \"Network\")", i+1)
			}
			for _, peer := range rule.To {
				if peer.IPBlock == nil {
					continue
				}
				_, ipnet, err := net.ParseCIDR(peer.IPBlock.CIDR)
				if err != nil {
					p.add(where, "egress rule %d: invalid CIDR %q", i+1, peer.IPBlock.CIDR)
					continue
				}
				if ones, _ := ipnet.Mask.Size(); ones == 0 {
					p.add(where, "egress rule %d allows %s (any address): name the endpoints' CIDRs", i+1, peer.IPBlock.CIDR)
				} else if isPlaceholderNet(ipnet) {
					placeholder(p, release, where, "egress rule %d: %s is a placeholder (RFC 5737 documentation range): fill in the endpoint's CIDR", i+1, peer.IPBlock.CIDR)
				}
			}
		}
	}
	for _, w := range workloads {
		covered := false
		for _, sel := range selectors {
			covered = covered || sel.Matches(w.labels)
		}
		if !covered {
			p.add(name+": "+w.where, "no NetworkPolicy with policyTypes Egress selects its pods, so their egress is unrestricted")
		}
	}
}

func hasEgressType(np *networkingv1.NetworkPolicy) bool {
	for _, t := range np.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeEgress {
			return true
		}
	}
	return false
}

func isPlaceholderNet(n *net.IPNet) bool {
	for _, s := range placeholderNets {
		_, doc, _ := net.ParseCIDR(s)
		if doc.Contains(n.IP) {
			return true
		}
	}
	return false
}

// placeholder reports an unfilled placeholder: a warning line (printed by check-deploy.sh) or, for a
// release (--release), a failure.
func placeholder(p *problems, release bool, where, format string, args ...any) {
	if release {
		p.add(where, format, args...)
		return
	}
	fmt.Printf("warning: %s: %s\n", where, fmt.Sprintf(format, args...))
}

// arnResource: "arn:aws:glue:eu-west-1:111122223333:table/db/t" → "table/db/t".
func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	return parts[5]
}

// glob matches IAM wildcards: * any run of characters, ? one character.
func glob(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(s)
}

// anyGlob: some pattern matches some of the values (IAM action names are case-insensitive).
func anyGlob(patterns []string, values ...string) bool {
	for _, pat := range patterns {
		for _, v := range values {
			if glob(strings.ToLower(pat), strings.ToLower(v)) {
				return true
			}
		}
	}
	return false
}
