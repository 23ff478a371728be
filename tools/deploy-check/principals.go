package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// deploy/principals.yaml (docs/security.md "Principals"): each component's Kafka principal, registry user
// and catalog client, what each may do, and the Secrets its pods read them from.
type principalsFile struct {
	TopicPrefix      string               `json:"topicPrefix"`
	CatalogNamespace string               `json:"catalogNamespace"`
	Components       []principalComponent `json:"components"`
}

type principalComponent struct {
	Name      string         `json:"name"`
	Code      string         `json:"code,omitempty"`
	Workloads []string       `json:"workloads"`
	IAMPolicy string         `json:"iamPolicy"`
	Kafka     *kafkaGrant    `json:"kafka,omitempty"`
	Registry  *registryGrant `json:"registry,omitempty"`
	Catalog   *catalogGrant  `json:"catalog,omitempty"`
}

type kafkaGrant struct {
	Principal string     `json:"principal"`
	Secret    string     `json:"secret"`
	Topics    []topicACL `json:"topics"`
	Groups    []groupACL `json:"groups"`
}

type topicACL struct {
	Topic      string   `json:"topic"`
	Operations []string `json:"operations"`
}

type groupACL struct {
	Group      string   `json:"group"`
	Prefix     bool     `json:"prefix,omitempty"`
	Operations []string `json:"operations"`
}

type registryGrant struct {
	Secret string   `json:"secret"`
	Write  []string `json:"write"`
	Read   []string `json:"read"`
}

type catalogGrant struct {
	Secret string   `json:"secret"`
	Read   []string `json:"read"`
	Write  []string `json:"write"`
}

// contracts/topic-access.json: what each component of the code does with the event topics.
type topicAccessFile struct {
	Comment    any                    `json:"$comment"`
	Components map[string]topicAccess `json:"components"`
}

type topicAccess struct {
	Produces          []string `json:"produces"`
	Consumes          []string `json:"consumes"`
	Reads             []string `json:"reads"`
	DeadLetterSizes   []string `json:"deadLetterSizes"`
	ReaderGroupPrefix string   `json:"readerGroupPrefix"`
}

// Which env variable holds which credential, and from which grant's Secret and key.
var credentialVars = []struct{ env, system, key string }{
	{"KAFKA_SASL_USERNAME", "kafka", "username"},
	{"KAFKA_SASL_PASSWORD", "kafka", "password"},
	{"SCHEMA_REGISTRY_USERNAME", "registry", "username"},
	{"SCHEMA_REGISTRY_PASSWORD", "registry", "password"},
	{"SUMMARY_CATALOG_CREDENTIAL", "catalog", "credential"},
	{"SUMMARY_CATALOG_TOKEN", "catalog", "token"},
}

var kafkaOperations = map[string]bool{"Read": true, "Write": true, "Describe": true}

func readPrincipals(file string, p *problems) principalsFile {
	var doc principalsFile
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(file, "%v", err)
		p.exit("")
	}
	for _, e := range strictDecode(data, &doc) {
		p.add(file, "%s", e)
	}
	return doc
}

func readTopicAccess(file string, p *problems) map[string]topicAccess {
	var doc topicAccessFile
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(file, "%v", err)
		p.exit("")
	}
	for _, e := range strictDecode(data, &doc) {
		p.add(file, "%s", e)
	}
	return doc.Components
}

// runPrincipals: deploy/principals.yaml against the code (contracts/topic-access.json), the IAM policies
// and the rendered prod overlay NAME (FILE).
func runPrincipals(args []string) {
	fs := flag.NewFlagSet("principals", flag.ExitOnError)
	file := fs.String("file", "", "deploy/principals.yaml")
	accessFile := fs.String("access", "", "contracts/topic-access.json")
	iamDir := fs.String("iam", "", "directory of the IAM policy documents")
	envFile := fs.String("env", "", "the EMR env file (emr.env) naming the job runs' catalog Secret")
	_ = fs.Parse(args)
	if fs.NArg() != 2 || *file == "" || *accessFile == "" || *iamDir == "" {
		usage()
	}
	name, rendered := fs.Arg(0), fs.Arg(1)
	var p problems
	doc := readPrincipals(*file, &p)
	access := readTopicAccess(*accessFile, &p)
	objects := loadObjects(name, rendered, &p)
	env := overlayEnv(objects)
	prefix := env["TOPIC_PREFIX"]
	if prefix != "" && !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	if doc.TopicPrefix != prefix {
		p.add(*file, "topicPrefix %q, but the overlay %s has TOPIC_PREFIX %q: the ACLs would name other topics", doc.TopicPrefix, name, env["TOPIC_PREFIX"])
	}
	checkUnique(*file, doc, &p)
	for _, c := range doc.Components {
		where := fmt.Sprintf("%s: component %s", *file, c.Name)
		checkKafkaGrant(where, c, access, *accessFile, doc.TopicPrefix, objects, &p)
		checkRegistryGrant(where, c, access, *accessFile, &p)
		checkCatalogGrant(where, c, doc.CatalogNamespace, filepath.Join(*iamDir, c.IAMPolicy), &p)
	}
	checkWorkloadCredentials(name, *file, doc, objects, env, &p)
	if *envFile != "" {
		checkEmrCatalogSecret(*envFile, *file, doc, &p)
	}
	p.exit(fmt.Sprintf("ok %s: %d components, each its own principal, registry user and catalog client; "+
		"Kafka ACLs and registry grants as %s, catalog grants as the IAM policies", name, len(doc.Components), *accessFile))
}

// overlayEnv: the shared settings (the ConfigMap the workloads read with envFrom).
func overlayEnv(objects []object) map[string]string {
	for _, o := range objects {
		if cm, ok := o.value.(*corev1.ConfigMap); ok {
			if _, ok := cm.Data["TOPIC_PREFIX"]; ok {
				return cm.Data
			}
		}
	}
	return map[string]string{}
}

// checkUnique: no principal, Secret or component name twice.
func checkUnique(file string, doc principalsFile, p *problems) {
	seen := map[string]string{}
	claim := func(kind, value, component string) {
		if value == "" {
			return
		}
		key := kind + " " + value
		if other, ok := seen[key]; ok && other != component {
			p.add(file, "components %s and %s share the %s %s: one per component", other, component, kind, value)
		}
		seen[key] = component
	}
	names := map[string]bool{}
	for _, c := range doc.Components {
		if names[c.Name] {
			p.add(file, "component %s is listed twice", c.Name)
		}
		names[c.Name] = true
		if c.Kafka != nil {
			claim("Kafka principal", c.Kafka.Principal, c.Name)
			claim("Secret", c.Kafka.Secret, c.Name)
		}
		if c.Registry != nil {
			claim("Secret", c.Registry.Secret, c.Name)
		}
		if c.Catalog != nil {
			claim("Secret", c.Catalog.Secret, c.Name)
		}
	}
}

// expectedTopics: topic → operations the code needs (Describe dropped where Read or Write implies it).
func expectedTopics(a topicAccess, prefix string) map[string]map[string]string {
	need := map[string]map[string]string{}
	add := func(topic, op, why string) {
		if need[topic] == nil {
			need[topic] = map[string]string{}
		}
		if _, ok := need[topic][op]; !ok {
			need[topic][op] = why
		}
	}
	for _, e := range a.Produces {
		add(prefix+e, "Write", "it produces "+e)
	}
	for _, e := range a.Consumes {
		add(prefix+e, "Read", "it consumes "+e)
		add(prefix+e+".dlq", "Write", "it dead-letters what it cannot handle of "+e)
	}
	for _, e := range a.Reads {
		add(prefix+e, "Read", "it reads "+e)
	}
	for _, e := range a.DeadLetterSizes {
		add(prefix+e+".dlq", "Describe", "it gauges the size of "+e+".dlq")
	}
	for _, ops := range need {
		impliesDescribe(ops)
	}
	return need
}

func impliesDescribe[V any](ops map[string]V) {
	_, r := ops["Read"]
	_, w := ops["Write"]
	if r || w {
		delete(ops, "Describe")
	}
}

// checkKafkaGrant: the component's topic and group ACLs are exactly what its code does.
func checkKafkaGrant(where string, c principalComponent, access map[string]topicAccess, accessFile, prefix string, objects []object, p *problems) {
	a, known := access[c.Code]
	if c.Code != "" && !known {
		p.add(where, "code %q: %s lists no such component", c.Code, accessFile)
		return
	}
	uses := known && len(a.Produces)+len(a.Consumes)+len(a.Reads)+len(a.DeadLetterSizes) > 0
	if c.Kafka == nil {
		if uses {
			p.add(where, "has no Kafka principal, but its code (%s %q) uses the event topics", accessFile, c.Code)
		}
		return
	}
	if !uses {
		p.add(where, "has a Kafka principal, but its code uses no event topic (%s): drop the principal", accessFile)
		return
	}
	if c.Kafka.Principal == "" || c.Kafka.Secret == "" {
		p.add(where, "kafka: principal and secret are required")
	}
	need := expectedTopics(a, prefix)
	granted := map[string]map[string]bool{}
	for _, t := range c.Kafka.Topics {
		topic := prefix + t.Topic
		if granted[topic] == nil {
			granted[topic] = map[string]bool{}
		}
		for _, op := range t.Operations {
			if !kafkaOperations[op] {
				p.add(where, "topic %s: operation %q; expected Read, Write or Describe", topic, op)
			}
			granted[topic][op] = true
		}
		impliesDescribe(granted[topic])
	}
	for _, topic := range sortedKeys(need) {
		for _, op := range sortedKeys(need[topic]) {
			if !granted[topic][op] {
				p.add(where, "kafka: no %s on topic %s, which its code needs (%s, %s)", op, topic, need[topic][op], accessFile)
			}
		}
	}
	for _, topic := range sortedKeys(granted) {
		for _, op := range sortedKeys(granted[topic]) {
			if _, ok := need[topic][op]; !ok {
				p.add(where, "kafka: grants %s on topic %s, which its code does not need (%s %q): least privilege", op, topic, accessFile, c.Code)
			}
		}
	}
	// Groups: the consumer group (KAFKA_GROUP_ID, default <prefix><component>) and the throwaway reader groups.
	type group struct {
		name   string
		prefix bool
	}
	needGroups := map[group]string{}
	if len(a.Consumes) > 0 {
		id := prefix + c.Code
		for _, w := range workloadPods(objects, c.Workloads) {
			for _, ctr := range w.pod.Containers {
				for _, e := range ctr.Env {
					if e.Name == "KAFKA_GROUP_ID" && e.Value != "" {
						id = e.Value
					}
				}
			}
		}
		needGroups[group{id, false}] = "its consumer group"
	}
	if len(a.Reads) > 0 {
		needGroups[group{prefix + a.ReaderGroupPrefix, true}] = "its reader groups " + prefix + a.ReaderGroupPrefix + "<pid>.<time>"
	}
	grantedGroups := map[group]bool{}
	for _, g := range c.Kafka.Groups {
		key := group{prefix + g.Group, g.Prefix}
		if len(g.Operations) != 1 || g.Operations[0] != "Read" {
			p.add(where, "kafka: group %s: operations %v; expected [Read] (join, commit, and Describe implied)", key.name, g.Operations)
		}
		grantedGroups[key] = true
		if _, ok := needGroups[key]; !ok {
			p.add(where, "kafka: grants the group %s (prefix %v), which its code does not use (%s %q)", key.name, key.prefix, accessFile, c.Code)
		}
	}
	for key, why := range needGroups {
		if !grantedGroups[key] {
			p.add(where, "kafka: no Read on the group %s (prefix %v): %s", key.name, key.prefix, why)
		}
	}
}

// checkRegistryGrant: write the subjects of the events it produces, read those it decodes.
func checkRegistryGrant(where string, c principalComponent, access map[string]topicAccess, accessFile string, p *problems) {
	a, known := access[c.Code]
	produces, decodes := []string{}, []string{}
	if known {
		produces = a.Produces
		decodes = append(append(decodes, a.Consumes...), a.Reads...)
	}
	if c.Registry == nil {
		if len(produces)+len(decodes) > 0 {
			p.add(where, "has no registry user, but its code (%s %q) encodes or decodes events", accessFile, c.Code)
		}
		return
	}
	if c.Registry.Secret == "" {
		p.add(where, "registry: secret is required")
	}
	compareSets(where, "registry write (subjects it registers: the events it produces)", c.Registry.Write, produces, p)
	compareSets(where, "registry read (subjects whose schemas it decodes: the events it consumes or reads)", c.Registry.Read, decodes, p)
}

// checkCatalogGrant: the catalog grants mirror the component's IAM policy: read = glue:GetTable only,
// write = glue:UpdateTable, on tables of the namespace.
func checkCatalogGrant(where string, c principalComponent, namespace, policyFile string, p *problems) {
	if c.Catalog == nil {
		p.add(where, "has no catalog client: every component reads or writes tables")
		return
	}
	if c.Catalog.Secret == "" {
		p.add(where, "catalog: secret is required")
	}
	data, err := os.ReadFile(policyFile)
	if err != nil {
		p.add(where, "iamPolicy: %v", err)
		return
	}
	var doc policyDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		p.add(where, "iamPolicy %s: %v", policyFile, err)
		return
	}
	reads, writes := map[string]bool{}, map[string]bool{}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, r := range st.Resource {
			table, ok := strings.CutPrefix(arnResource(r), "table/"+namespace+"/")
			if !ok || !strings.HasPrefix(r, "arn:aws:glue:") {
				continue
			}
			if anyGlob(st.Action, "glue:UpdateTable") {
				writes[table] = true
			} else if anyGlob(st.Action, "glue:GetTable") {
				reads[table] = true
			}
		}
	}
	for t := range writes {
		delete(reads, t)
	}
	compareSets(where, "catalog write (as "+filepath.Base(policyFile)+" grants glue:UpdateTable)", c.Catalog.Write, sortedKeys(writes), p)
	compareSets(where, "catalog read (as "+filepath.Base(policyFile)+" grants glue:GetTable only)", c.Catalog.Read, sortedKeys(reads), p)
}

func compareSets(where, what string, got, want []string, p *problems) {
	g, w := setOf(got), setOf(want)
	for _, x := range sortedKeys(w) {
		if !g[x] {
			p.add(where, "%s: missing %s", what, x)
		}
	}
	for _, x := range sortedKeys(g) {
		if !w[x] {
			p.add(where, "%s: %s is not needed", what, x)
		}
	}
}

// checkWorkloadCredentials: every workload of the overlay is a component's; each reads exactly its own
// component's credentials, from required references; no Secret key is read by two components.
func checkWorkloadCredentials(name, file string, doc principalsFile, objects []object, env map[string]string, p *problems) {
	owner := map[string]principalComponent{}
	for _, c := range doc.Components {
		for _, w := range c.Workloads {
			owner[w] = c
		}
	}
	usedBy := map[string]string{} // "secret/key" → component
	for _, w := range workloadPods(objects, nil) {
		where := name + ": " + w.where
		c, ok := owner[w.where]
		if !ok {
			p.add(where, "is no component's in %s: give it its own principals there", file)
			continue
		}
		got := map[string]*corev1.SecretKeySelector{}
		for _, ctr := range append(append([]corev1.Container{}, w.pod.InitContainers...), w.pod.Containers...) {
			for _, e := range ctr.Env {
				ref := secretKeyRef(e)
				if ref == nil {
					continue
				}
				id := ref.Name + "/" + ref.Key
				if other, ok := usedBy[id]; ok && other != c.Name {
					p.add(where, "env %s reads Secret key %s, as component %s does: one credential per component (%s)", e.Name, id, other, file)
				} else {
					usedBy[id] = c.Name
				}
				got[e.Name] = ref
			}
		}
		for _, v := range credentialVars {
			secret := ""
			switch v.system {
			case "kafka":
				if c.Kafka != nil {
					secret = c.Kafka.Secret
				}
			case "registry":
				if c.Registry != nil {
					secret = c.Registry.Secret
				}
			case "catalog":
				if c.Catalog != nil {
					secret = c.Catalog.Secret
				}
			}
			ref := got[v.env]
			needed := secret != "" && (v.system != "catalog" || env["SUMMARY_CATALOG_AUTH"] == "oauth2")
			if v.env == "SUMMARY_CATALOG_TOKEN" || (v.env == "SUMMARY_CATALOG_CREDENTIAL" && got["SUMMARY_CATALOG_TOKEN"] != nil) {
				needed = false // one of the two: a credential, or a token
			}
			switch {
			case ref == nil && needed:
				p.add(where, "env %s is not read from Secret %s (key %s): component %s needs it (%s)", v.env, secret, v.key, c.Name, file)
			case ref == nil:
			case secret == "":
				p.add(where, "env %s reads Secret %s, but %s gives component %s no %s credentials", v.env, ref.Name, file, c.Name, v.system)
			case ref.Name != secret || ref.Key != v.key:
				p.add(where, "env %s reads Secret key %s/%s; expected %s/%s (component %s in %s)", v.env, ref.Name, ref.Key, secret, v.key, c.Name, file)
			}
		}
	}
	for _, c := range doc.Components {
		for _, w := range c.Workloads {
			if len(workloadPods(objects, []string{w})) == 0 {
				p.add(file, "component %s: workload %s is not in the overlay %s", c.Name, w, name)
			}
		}
	}
}

// checkEmrCatalogSecret: the EMR job runs read the catalog credential of a component without workloads
// (emr-jobs), never a workload's.
func checkEmrCatalogSecret(envFile, file string, doc principalsFile, p *problems) {
	data, err := os.ReadFile(envFile)
	if err != nil {
		p.add(envFile, "%v", err)
		return
	}
	jobSecrets := map[string]bool{}
	for _, c := range doc.Components {
		if len(c.Workloads) == 0 && c.Catalog != nil {
			jobSecrets[c.Catalog.Secret] = true
		}
	}
	for n, line := range strings.Split(string(data), "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok || (key != "EMR_CATALOG_CREDENTIAL_SECRET" && key != "EMR_CATALOG_TOKEN_SECRET") {
			continue
		}
		secret, _, _ := strings.Cut(value, ":")
		if !jobSecrets[secret] {
			p.add(fmt.Sprintf("%s:%d", envFile, n+1),
				"%s names Secret %s, which is no job-run component's catalog Secret in %s (one without workloads: emr-jobs)", key, secret, file)
		}
	}
}

type podOf struct {
	where string
	pod   *corev1.PodSpec
}

// workloadPods: the Deployments' and CronJobs' pods, all of them or those named "Kind/name".
func workloadPods(objects []object, names []string) []podOf {
	want := setOf(names)
	var out []podOf
	for _, o := range objects {
		if names != nil && !want[o.String()] {
			continue
		}
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			out = append(out, podOf{o.String(), &v.Spec.Template.Spec})
		case *batchv1.CronJob:
			out = append(out, podOf{o.String(), &v.Spec.JobTemplate.Spec.Template.Spec})
		}
	}
	return out
}

func setOf(values []string) map[string]bool {
	s := map[string]bool{}
	for _, v := range values {
		s[v] = true
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runKafkaACLs prints the kafka-acls.sh commands of deploy/principals.yaml (docs/security.md "Principals").
func runKafkaACLs(args []string) {
	fs := flag.NewFlagSet("kafka-acls", flag.ExitOnError)
	file := fs.String("file", "", "deploy/principals.yaml")
	bootstrap := fs.String("bootstrap-server", "<broker:9096>", "the brokers, as kafka-acls.sh --bootstrap-server takes them")
	config := fs.String("command-config", "<admin.properties>", "an admin client's properties (SASL/TLS)")
	_ = fs.Parse(args)
	if fs.NArg() != 0 || *file == "" {
		usage()
	}
	var p problems
	doc := readPrincipals(*file, &p)
	if len(p.lines) > 0 {
		p.exit("")
	}
	base := fmt.Sprintf("kafka-acls.sh --bootstrap-server %s --command-config %s --add", *bootstrap, *config)
	for _, c := range doc.Components {
		if c.Kafka == nil {
			continue
		}
		fmt.Printf("# %s\n", c.Name)
		for _, t := range c.Kafka.Topics {
			for _, op := range t.Operations {
				fmt.Printf("%s --allow-principal %s --operation %s --topic %s\n", base, c.Kafka.Principal, op, doc.TopicPrefix+t.Topic)
			}
		}
		for _, g := range c.Kafka.Groups {
			pattern := ""
			if g.Prefix {
				pattern = " --resource-pattern-type prefixed"
			}
			for _, op := range g.Operations {
				fmt.Printf("%s --allow-principal %s --operation %s --group %s%s\n", base, c.Kafka.Principal, op, doc.TopicPrefix+g.Group, pattern)
			}
		}
	}
}
