package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// singletons serialize batches (SPEC §5): exactly one pod, and a rollout never runs two.
var singletons = map[string]bool{"classifier": true, "spark-dispatcher": true}

// credentialEnv: variables whose value must come from a Secret, never a literal in the manifests.
var credentialEnv = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY)`)

func sortStrings(s []string) { sort.Strings(s) }

func runManifests(args []string) {
	if len(args) != 2 {
		usage()
	}
	name, file := args[0], args[1]
	var p problems
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
	for i, doc := range docs {
		obj, errs := decodeManifest(doc)
		for _, e := range errs {
			p.add(name, "document %d %s: %s", i+1, obj, e)
		}
		if obj.value != nil { // still checked with its strict errors: the later messages stay relevant
			objects = append(objects, obj)
		}
	}
	if len(docs) == 0 {
		p.add(name, "the rendered overlay is empty")
	}
	checkPolicies(name, objects, &p)
	checkRBAC(name, objects, &p)
	checkDefaultDeny(name, objects, &p)
	checkReferences(name, objects, &p)
	p.exit(fmt.Sprintf("ok %s: %d objects decode strictly (%s)", name, len(objects), summarize(objects)))
}

func summarize(objects []object) string {
	counts := map[string]int{}
	for _, o := range objects {
		counts[o.kind]++
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// checkPolicies: the security and operability rules every workload follows (docs/deploy.md).
func checkPolicies(name string, objects []object, p *problems) {
	api := boundAccounts(objects)
	for _, o := range objects {
		where := name + ": " + o.String()
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			// A Spark Connect server serves gRPC, not the services' /health: probes of its own kind.
			probes := healthProbes
			if v.Spec.Template.Labels["app.kubernetes.io/component"] == "spark-connect" {
				probes = anyProbes
			}
			checkPod(where, &v.Spec.Template.Spec, probes, api, p)
			checkOptionalSecretVolumes(where, &v.Spec.Template.Spec, p)
			if singletons[o.name] {
				if v.Spec.Replicas == nil || *v.Spec.Replicas != 1 {
					p.add(where, "spec.replicas must be 1 (it serializes batches)")
				}
				if v.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
					p.add(where, "spec.strategy.type must be Recreate (two pods must never run at once)")
				}
			}
			if v.Spec.Template.Spec.TerminationGracePeriodSeconds == nil {
				p.add(where, "spec.template.spec.terminationGracePeriodSeconds is not set")
			}
		case *batchv1.CronJob:
			checkPod(where, &v.Spec.JobTemplate.Spec.Template.Spec, noProbes, api, p)
			checkOptionalSecretVolumes(where, &v.Spec.JobTemplate.Spec.Template.Spec, p)
			if v.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
				p.add(where, "spec.concurrencyPolicy must be Forbid")
			}
		}
	}
}

// Which probes a pod's containers must have.
type probeRule int

const (
	noProbes     probeRule = iota // CronJobs
	healthProbes                  // the services: liveness /health/live, readiness /health/ready
	anyProbes                     // a Spark Connect server: a liveness and a readiness probe of any kind
)

// checkPod: the hardening every pod follows. Only a pod whose ServiceAccount a RoleBinding names (api) may mount
// its API token: the Spark Connect driver, which creates its executor pods.
func checkPod(where string, pod *corev1.PodSpec, probes probeRule, api map[string]bool, p *problems) {
	psc := pod.SecurityContext
	podNonRoot := psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
	podSeccomp := psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
	if (pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken) && !api[pod.ServiceAccountName] {
		p.add(where, "automountServiceAccountToken must be false (only the Spark Connect driver, whose account a RoleBinding names, uses the Kubernetes API)")
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		cw := fmt.Sprintf("%s: container %s", where, c.Name)
		if !strings.Contains(lastSegment(c.Image), ":") && !strings.Contains(c.Image, "@sha256:") {
			p.add(cw, "image %q has no tag: pin it (kustomize images: newTag)", c.Image)
		} else if strings.HasSuffix(c.Image, ":latest") {
			p.add(cw, "image %q uses the tag latest: pin a version", c.Image)
		}
		sc := c.SecurityContext
		if sc == nil {
			p.add(cw, "securityContext is missing")
			continue
		}
		if !podNonRoot && (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			p.add(cw, "runAsNonRoot must be true (pod or container securityContext)")
		}
		if !podSeccomp && (sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			p.add(cw, "seccompProfile must be RuntimeDefault (pod or container securityContext)")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			p.add(cw, "securityContext.readOnlyRootFilesystem must be true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			p.add(cw, "securityContext.allowPrivilegeEscalation must be false")
		}
		if sc.Capabilities == nil || !containsCap(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			p.add(cw, "securityContext.capabilities must drop ALL and add none")
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[r]; !ok {
				p.add(cw, "resources.requests.%s is missing", r)
			}
		}
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			p.add(cw, "resources.limits.memory is missing")
		}
		for _, e := range c.Env {
			if credentialEnv.MatchString(e.Name) && e.Value != "" {
				p.add(cw, "env %s has a literal value: credentials come from a Secret (valueFrom.secretKeyRef)", e.Name)
			}
			if ref := secretKeyRef(e); ref != nil && ref.Optional != nil && *ref.Optional {
				p.add(cw, "env %s: secretKeyRef %s/%s is optional: %s", e.Name, ref.Name, ref.Key, optionalSecretWhy)
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil && ef.SecretRef.Optional != nil && *ef.SecretRef.Optional {
				p.add(cw, "envFrom secretRef %s is optional: %s", ef.SecretRef.Name, optionalSecretWhy)
			}
		}
		switch probes {
		case healthProbes:
			checkProbe(cw, "livenessProbe", c.LivenessProbe, "/health/live", p)
			checkProbe(cw, "readinessProbe", c.ReadinessProbe, "/health/ready", p)
		case anyProbes:
			if c.LivenessProbe == nil || c.ReadinessProbe == nil {
				p.add(cw, "livenessProbe and readinessProbe are required")
			}
		}
	}
}

// optionalSecretWhy: a reference a component has is one it needs (docs/security.md "Principals").
const optionalSecretWhy = "a component needs the credentials it references, so a missing Secret must keep the pod from starting " +
	"(CreateContainerConfigError naming it), not start it without them; drop `optional: true`, or the reference if the component does not need it"

func secretKeyRef(e corev1.EnvVar) *corev1.SecretKeySelector {
	if e.ValueFrom == nil {
		return nil
	}
	return e.ValueFrom.SecretKeyRef
}

// checkOptionalSecretVolumes: a Secret mounted as a volume is required too.
func checkOptionalSecretVolumes(where string, pod *corev1.PodSpec, p *problems) {
	for _, vol := range pod.Volumes {
		if vol.Secret != nil && vol.Secret.Optional != nil && *vol.Secret.Optional {
			p.add(where, "volume %s: Secret %s is optional: %s", vol.Name, vol.Secret.SecretName, optionalSecretWhy)
		}
		if vol.Projected != nil {
			for _, src := range vol.Projected.Sources {
				if src.Secret != nil && src.Secret.Optional != nil && *src.Secret.Optional {
					p.add(where, "volume %s: projected Secret %s is optional: %s", vol.Name, src.Secret.Name, optionalSecretWhy)
				}
			}
		}
	}
}

// checkDefaultDeny: the namespace has a default deny (docs/security.md "Network"): a NetworkPolicy that
// selects every pod (podSelector: {}) for Ingress and Egress and allows nothing but DNS. Egress policies
// by label alone leave a pod without those labels (a debug pod, someone else's job) free to reach any
// address. A policy for every pod that allows more than DNS is refused as well: it would open the namespace.
func checkDefaultDeny(name string, objects []object, p *problems) {
	found := false
	for _, o := range objects {
		np, ok := o.value.(*networkingv1.NetworkPolicy)
		if !ok || len(np.Spec.PodSelector.MatchLabels) > 0 || len(np.Spec.PodSelector.MatchExpressions) > 0 {
			continue
		}
		where := name + ": " + o.String()
		types := map[networkingv1.PolicyType]bool{}
		for _, t := range np.Spec.PolicyTypes {
			types[t] = true
		}
		opens := false
		for i := range np.Spec.Ingress {
			p.add(where, "selects every pod of the namespace (podSelector: {}) and allows ingress (rule %d): a namespace-wide policy may only deny", i+1)
			opens = true
		}
		for i, rule := range np.Spec.Egress {
			if !dnsOnly(rule) {
				p.add(where, "selects every pod of the namespace (podSelector: {}) and allows egress beyond DNS (rule %d): "+
					"a namespace-wide policy may allow only port 53 to named peers", i+1)
				opens = true
			}
		}
		if types[networkingv1.PolicyTypeIngress] && types[networkingv1.PolicyTypeEgress] && !opens {
			found = true
		}
	}
	if !found {
		p.add(name, "no namespace-wide default deny: expected a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] that allows only DNS "+
			"(k8s/base/networkpolicies.yaml default-deny); without it a pod without the pipeline's labels has unrestricted egress")
	}
}

// dnsOnly: an egress rule to named peers on port 53 only.
func dnsOnly(rule networkingv1.NetworkPolicyEgressRule) bool {
	if len(rule.To) == 0 || len(rule.Ports) == 0 {
		return false
	}
	for _, port := range rule.Ports {
		if port.Port == nil || port.Port.IntValue() != 53 || port.EndPort != nil {
			return false
		}
	}
	return true
}

func lastSegment(image string) string { return image[strings.LastIndex(image, "/")+1:] }

func containsCap(caps []corev1.Capability, want corev1.Capability) bool {
	for _, c := range caps {
		if c == want {
			return true
		}
	}
	return false
}

func checkProbe(where, field string, probe *corev1.Probe, path string, p *problems) {
	if probe == nil {
		p.add(where, "%s is missing (expected httpGet %s)", field, path)
	} else if probe.HTTPGet == nil || probe.HTTPGet.Path != path {
		p.add(where, "%s must be httpGet %s", field, path)
	}
}

// checkReferences: what one object names exists in the same rendering (selectors, ConfigMaps, accounts).
func checkReferences(name string, objects []object, p *problems) {
	var pods []labels.Set
	var deployments []labels.Set
	services := map[string]*corev1.Service{}
	configMaps, accounts := map[string]bool{}, map[string]bool{}
	for _, o := range objects {
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			deployments = append(deployments, labels.Set(v.Spec.Template.Labels))
			pods = append(pods, labels.Set(v.Spec.Template.Labels))
			if sel, err := metav1.LabelSelectorAsSelector(v.Spec.Selector); err != nil || !sel.Matches(labels.Set(v.Spec.Template.Labels)) {
				p.add(name+": "+o.String(), "spec.selector does not match the pod template's labels")
			}
		case *batchv1.CronJob:
			pods = append(pods, labels.Set(v.Spec.JobTemplate.Spec.Template.Labels))
		case *corev1.Service:
			services[o.name] = v
		case *corev1.ConfigMap:
			configMaps[o.name] = true
		case *corev1.ServiceAccount:
			accounts[o.name] = true
		}
	}
	for _, o := range objects {
		where := name + ": " + o.String()
		switch v := o.value.(type) {
		case *corev1.Service:
			if !anyMatches(labels.SelectorFromSet(v.Spec.Selector), deployments) {
				p.add(where, "spec.selector %v selects no Deployment's pods", v.Spec.Selector)
			}
		case *policyv1.PodDisruptionBudget:
			if sel, err := metav1.LabelSelectorAsSelector(v.Spec.Selector); err != nil || !anyMatches(sel, deployments) {
				p.add(where, "spec.selector selects no Deployment's pods")
			}
		case *monitoringv1.ServiceMonitor:
			checkServiceMonitor(where, v, services, p)
		case *appsv1.Deployment:
			checkPodRefs(where, &v.Spec.Template.Spec, configMaps, accounts, p)
		case *batchv1.CronJob:
			checkPodRefs(where, &v.Spec.JobTemplate.Spec.Template.Spec, configMaps, accounts, p)
		}
	}
}

func anyMatches(sel labels.Selector, sets []labels.Set) bool {
	if sel.Empty() {
		return false
	}
	for _, s := range sets {
		if sel.Matches(s) {
			return true
		}
	}
	return false
}

func checkServiceMonitor(where string, sm *monitoringv1.ServiceMonitor, services map[string]*corev1.Service, p *problems) {
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil {
		p.add(where, "spec.selector: %v", err)
		return
	}
	matched := 0
	for svcName, svc := range services {
		if !sel.Matches(labels.Set(svc.Labels)) {
			continue
		}
		matched++
		for _, ep := range sm.Spec.Endpoints {
			if !hasPort(svc, ep.Port) {
				p.add(where, "endpoint port %q: Service %s has no port of that name", ep.Port, svcName)
			}
		}
	}
	if matched == 0 {
		p.add(where, "spec.selector selects no Service")
	}
}

func hasPort(svc *corev1.Service, port string) bool {
	for _, sp := range svc.Spec.Ports {
		if sp.Name == port {
			return true
		}
	}
	return false
}

func checkPodRefs(where string, pod *corev1.PodSpec, configMaps, accounts map[string]bool, p *problems) {
	if pod.ServiceAccountName != "" && !accounts[pod.ServiceAccountName] {
		p.add(where, "serviceAccountName %q: no such ServiceAccount in the manifests", pod.ServiceAccountName)
	}
	for _, vol := range pod.Volumes {
		if vol.ConfigMap != nil && !configMaps[vol.ConfigMap.Name] {
			p.add(where, "volume %s: no ConfigMap %q in the manifests", vol.Name, vol.ConfigMap.Name)
		}
	}
	mounted := map[string]bool{}
	for _, c := range pod.Containers {
		for _, m := range c.VolumeMounts {
			mounted[m.Name] = true
		}
	}
	for _, vol := range pod.Volumes {
		if !mounted[vol.Name] {
			p.add(where, "volume %s is not mounted by any container", vol.Name)
		}
	}
	for _, c := range pod.Containers {
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && !configMaps[ef.ConfigMapRef.Name] {
				p.add(where, "container %s: envFrom ConfigMap %q is not in the manifests", c.Name, ef.ConfigMapRef.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && !configMaps[e.ValueFrom.ConfigMapKeyRef.Name] {
				p.add(where, "container %s: env %s: ConfigMap %q is not in the manifests", c.Name, e.Name, e.ValueFrom.ConfigMapKeyRef.Name)
			}
		}
	}
}
