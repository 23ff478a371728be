package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// knownKinds: the only objects the manifests may hold, each with the one apiVersion it must use.
var knownKinds = map[string]struct {
	apiVersion string
	new        func() any
}{
	"Deployment":          {"apps/v1", func() any { return &appsv1.Deployment{} }},
	"Service":             {"v1", func() any { return &corev1.Service{} }},
	"ConfigMap":           {"v1", func() any { return &corev1.ConfigMap{} }},
	"ServiceAccount":      {"v1", func() any { return &corev1.ServiceAccount{} }},
	"PodDisruptionBudget": {"policy/v1", func() any { return &policyv1.PodDisruptionBudget{} }},
	"NetworkPolicy":       {"networking.k8s.io/v1", func() any { return &networkingv1.NetworkPolicy{} }},
	"CronJob":             {"batch/v1", func() any { return &batchv1.CronJob{} }},
	"ServiceMonitor":      {"monitoring.coreos.com/v1", func() any { return &monitoringv1.ServiceMonitor{} }},
	"PrometheusRule":      {"monitoring.coreos.com/v1", func() any { return &monitoringv1.PrometheusRule{} }},
	// RBAC: decoded so that checkRBAC can say what is wrong with them (cluster-wide kinds are refused there).
	"Role":               {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.Role{} }},
	"RoleBinding":        {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.RoleBinding{} }},
	"ClusterRole":        {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.ClusterRole{} }},
	"ClusterRoleBinding": {"rbac.authorization.k8s.io/v1", func() any { return &rbacv1.ClusterRoleBinding{} }},
}

// object is one decoded document of a rendered overlay.
type object struct {
	kind, name string
	value      any
}

func (o object) String() string { return o.kind + "/" + o.name }

// splitYAML returns the non-empty documents of a multi-document YAML stream.
func splitYAML(data []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

func stripComments(doc []byte) []byte {
	var out []string
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// strictDecode converts YAML to JSON (duplicate keys fail) and decodes it into target, failing on any
// field the Go type does not have. Errors name the field path, e.g.
// `unknown field "spec.template.spec.containers[0].livenessProbes"`.
func strictDecode(doc []byte, target any) []string {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return []string{"invalid YAML: " + err.Error()}
	}
	strict, err := sigsjson.UnmarshalStrict(data, target, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return []string{"does not decode: " + err.Error()}
	}
	var out []string
	for _, e := range strict {
		out = append(out, e.Error())
	}
	return out
}

// decodeManifest decodes one document of a rendered overlay into its Kubernetes type.
func decodeManifest(doc []byte) (object, []string) {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return object{kind: "?", name: "?"}, []string{"invalid YAML: " + err.Error()}
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return object{kind: "?", name: "?"}, []string{"no apiVersion/kind/metadata: " + err.Error()}
	}
	obj := object{kind: head.Kind, name: head.Metadata.Name}
	if obj.name == "" {
		return obj, []string{"metadata.name is missing"}
	}
	if head.Kind == "Secret" {
		return obj, []string{"Secret objects must not be in the manifests: create them out of band (docs/deploy.md \"Secrets\") and reference them with secretKeyRef"}
	}
	known, ok := knownKinds[head.Kind]
	if !ok {
		return obj, []string{fmt.Sprintf("unknown kind %q (%s): deploy-check knows %s", head.Kind, head.APIVersion, kindList())}
	}
	if head.APIVersion != known.apiVersion {
		return obj, []string{fmt.Sprintf("apiVersion %q: expected %q", head.APIVersion, known.apiVersion)}
	}
	obj.value = known.new()
	return obj, strictDecode(doc, obj.value)
}

func kindList() string {
	names := make([]string, 0, len(knownKinds))
	for k := range knownKinds {
		names = append(names, k)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}
