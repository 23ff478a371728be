package main

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The only Kubernetes API access a pod of the pipeline has (docs/security.md "Who may reach the Spark Connect
// server"): the Spark Connect driver manages its executor pods, the configmap Spark gives them and on-demand
// volume claims, in its own namespace. Spark's "Running on Kubernetes" RBAC names pods, services, configmaps and
// persistentvolumeclaims; a driver in client mode needs no service of its own.
var executorResources = map[string]bool{"pods": true, "services": true, "configmaps": true, "persistentvolumeclaims": true}
var executorVerbs = map[string]bool{
	"get": true, "list": true, "watch": true, "create": true, "delete": true, "deletecollection": true, "patch": true, "update": true,
}

// checkRBAC: no cluster-wide RBAC; every Role grants only executor-pod resources of the core group, by
// explicit verbs (no secrets, no wildcard, no subresource such as pods/exec); every RoleBinding binds a Role of
// the same rendering to ServiceAccounts of its own namespace.
func checkRBAC(name string, objects []object, p *problems) {
	roles := map[string]bool{}
	for _, o := range objects {
		if _, ok := o.value.(*rbacv1.Role); ok {
			roles[o.name] = true
		}
	}
	for _, o := range objects {
		where := name + ": " + o.String()
		switch v := o.value.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			p.add(where, "cluster-wide RBAC: the pipeline's only API access is a Role in its namespace (the Spark Connect driver's executor pods)")
		case *rbacv1.Role:
			for i, rule := range v.Rules {
				checkRoleRule(fmt.Sprintf("%s: rule %d", where, i+1), rule, p)
			}
		case *rbacv1.RoleBinding:
			if v.RoleRef.Kind != "Role" || !roles[v.RoleRef.Name] {
				p.add(where, "roleRef %s/%s: expected a Role of these manifests (a RoleBinding to a ClusterRole such as edit grants far more than executor pods)",
					v.RoleRef.Kind, v.RoleRef.Name)
			}
			for _, s := range v.Subjects {
				if s.Kind != rbacv1.ServiceAccountKind || (s.Namespace != "" && s.Namespace != v.Namespace) {
					p.add(where, "subject %s %s/%s: expected a ServiceAccount of the namespace %q", s.Kind, s.Namespace, s.Name, v.Namespace)
				}
			}
		}
	}
}

func checkRoleRule(where string, rule rbacv1.PolicyRule, p *problems) {
	if len(rule.NonResourceURLs) > 0 {
		p.add(where, "nonResourceURLs %v: a Role grants resources of its namespace only", rule.NonResourceURLs)
	}
	for _, g := range rule.APIGroups {
		if g != "" {
			p.add(where, "apiGroup %q: expected the core group \"\" only (pods, configmaps, persistentvolumeclaims, services)", g)
		}
	}
	for _, r := range rule.Resources {
		switch {
		case r == "secrets":
			p.add(where, "grants secrets: the Spark driver needs no Secret through the API, and a pod that can read Secrets reads every credential of the namespace")
		case !executorResources[r]:
			p.add(where, "resource %q: expected only %s (what a Spark driver needs for its executor pods)", r, strings.Join(sortedKeys(executorResources), ", "))
		}
	}
	for _, verb := range rule.Verbs {
		if !executorVerbs[verb] {
			p.add(where, "verb %q: expected only %s", verb, strings.Join(sortedKeys(executorVerbs), ", "))
		}
	}
}

// boundAccounts: the ServiceAccounts a RoleBinding of the rendering names, the only ones whose pods may mount
// an API token.
func boundAccounts(objects []object) map[string]bool {
	bound := map[string]bool{}
	for _, o := range objects {
		if rb, ok := o.value.(*rbacv1.RoleBinding); ok {
			for _, s := range rb.Subjects {
				if s.Kind == rbacv1.ServiceAccountKind {
					bound[s.Name] = true
				}
			}
		}
	}
	return bound
}
