package main

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestSparkSubmitArgs(t *testing.T) {
	conf, master := sparkSubmitArgs([]string{"server", "--master", "k8s://https://kubernetes.default.svc", "--conf", "spark.a=x=y", "--conf", "novalue", "--conf"})
	if master != "k8s://https://kubernetes.default.svc" {
		t.Errorf("master %q", master)
	}
	if conf["spark.a"] != "x=y" || len(conf) != 1 {
		t.Errorf("conf %v: expected only spark.a=x=y (a value may hold '=')", conf)
	}
}

func TestContainerPortByNameAndNumber(t *testing.T) {
	pod := &corev1.PodSpec{Containers: []corev1.Container{
		{Name: "spark-connect", Ports: []corev1.ContainerPort{{Name: "ui", ContainerPort: 4040}}},
		{Name: "tls-proxy", Ports: []corev1.ContainerPort{{Name: "grpc-tls", ContainerPort: 15002}}},
	}}
	if c, n := containerPort(pod, "grpc-tls", 15002); c == nil || c.Name != "tls-proxy" || n != 15002 {
		t.Errorf("grpc-tls: %v %d", c, n)
	}
	if c, n := containerPort(pod, "4040", 80); c == nil || c.Name != "spark-connect" || n != 4040 {
		t.Errorf("4040: %v %d", c, n)
	}
	// A port no container declares (the server's own 15003) keeps its number, so a Service reaching it is named.
	if c, n := containerPort(pod, "15003", 15003); c != nil || n != 15003 {
		t.Errorf("15003: %v %d", c, n)
	}
	if c, n := containerPort(pod, "", 4040); c == nil || n != 4040 {
		t.Errorf("no targetPort: %v %d", c, n)
	}
}

func TestRoleRules(t *testing.T) {
	var p problems
	checkRoleRule("ok", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "configmaps"}, Verbs: []string{"get", "create", "delete"}}, &p)
	if len(p.lines) != 0 {
		t.Fatalf("an executor-pod rule was refused: %v", p.lines)
	}
	for _, bad := range []struct {
		rule rbacv1.PolicyRule
		want string
	}{
		{rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}, "grants secrets"},
		{rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}}, `resource "pods/exec"`},
		{rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"pods"}, Verbs: []string{"get"}}, `apiGroup "*"`},
		{rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*"}, Verbs: []string{"get"}}, `resource "*"`},
		{rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"*"}}, `verb "*"`},
		{rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"escalate"}}, `verb "escalate"`},
	} {
		var q problems
		checkRoleRule("rule", bad.rule, &q)
		if len(q.lines) == 0 || !strings.Contains(strings.Join(q.lines, "\n"), bad.want) {
			t.Errorf("%+v: expected a problem with %q, got %v", bad.rule, bad.want, q.lines)
		}
	}
}
