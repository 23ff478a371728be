// deploy-check: the strict checks behind `npm run check:deploy` (scripts/check-deploy.sh, docs/deploy.md).
//
//	deploy-check manifests [-metrics-source F] NAME FILE   every document of a rendered overlay decodes strictly into its Kubernetes type;
//	                                                      policy and cross-reference checks
//	deploy-check rules -metrics FILE ALERTS MANIFESTS...  ALERTS decodes strictly as a rule file, names only defined metrics, and equals the
//	                                                      PrometheusRule groups of each MANIFESTS file
//	deploy-check prometheusrule ALERTS                    prints the PrometheusRule object for ALERTS (k8s/base/prometheusrule.yaml)
//	deploy-check panels -metrics FILE -out RULES DASH...  every Grafana panel query → a recording rule in RULES (for promtool), names only defined metrics
//	deploy-check compose FILE                             loads and validates a compose file as `docker compose config` does; image tags pinned
//	deploy-check dockerfiles CONTEXT FILE...              base images pinned, non-root final USER, COPY sources present in CONTEXT
//	deploy-check iam FILE...                              IAM policy documents decode strictly; no wildcard actions or resources
//	deploy-check least-privilege -iam DIR [-egress] [-release] NAME FILE
//	                                                      one account and role per component, trust for that account only, the source
//	                                                      read-only outside the ingest policy; with -egress no rule to any address
//	deploy-check images -lock LOCK [-env F]... [-release] NAME FILE
//	                                                      every image pinned by a digest listed in LOCK (deploy/images.lock)
//	deploy-check requirements FILE...                     every Python requirement pinned with == and sha256 hashes
//	deploy-check principals -file F -access F -iam DIR [-env F] NAME FILE
//	                                                      deploy/principals.yaml: Kafka ACLs and registry grants as the code's
//	                                                      contracts/topic-access.json, catalog grants as the IAM policies, each
//	                                                      workload's credentials its component's own (required, none shared)
//	deploy-check spark-connect -server Deployment/N -clients Deployment/A,… NAME FILE
//	                                                      the Spark Connect server: one replica, executors as pods, client
//	                                                      authentication (TLS proxy, interceptors, a token per client),
//	                                                      NetworkPolicies admitting only its clients, API access its alone
//	deploy-check kafka-acls -file F [-bootstrap-server B] [-command-config F]
//	                                                      prints the kafka-acls.sh commands of deploy/principals.yaml
//
// Every problem is printed as one line "<file>: <object>: <problem>"; the exit code is 1 when there was any.
package main

import (
	"fmt"
	"os"
	"strings"
)

// problems collects every failure of a run, so that one run reports all of them.
type problems struct{ lines []string }

func (p *problems) add(where, format string, args ...any) {
	p.lines = append(p.lines, where+": "+fmt.Sprintf(format, args...))
}

func (p *problems) exit(ok string) {
	if len(p.lines) == 0 {
		if ok != "" {
			fmt.Println(ok)
		}
		os.Exit(0)
	}
	for _, line := range p.lines {
		fmt.Fprintln(os.Stderr, "FAIL "+line)
	}
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, strings.TrimSpace(`
usage: deploy-check manifests NAME FILE
       deploy-check rules -metrics METRICS_TS ALERTS MANIFESTS...
       deploy-check prometheusrule ALERTS
       deploy-check panels -metrics METRICS_TS -out RULES DASHBOARD...
       deploy-check compose FILE
       deploy-check dockerfiles CONTEXT DOCKERFILE...
       deploy-check iam POLICY...
       deploy-check least-privilege -iam DIR [-egress] [-release] NAME FILE
       deploy-check images -lock LOCK [-env FILE]... [-release] NAME FILE
       deploy-check requirements FILE...
       deploy-check principals -file PRINCIPALS -access TOPIC_ACCESS -iam DIR [-env FILE] NAME FILE
       deploy-check spark-connect -server KIND/NAME -clients KIND/NAME,... NAME FILE
       deploy-check kafka-acls -file PRINCIPALS [-bootstrap-server B] [-command-config F]`))
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "manifests":
		runManifests(args)
	case "rules":
		runRules(args)
	case "prometheusrule":
		runPrometheusRule(args)
	case "panels":
		runPanels(args)
	case "compose":
		runCompose(args)
	case "dockerfiles":
		runDockerfiles(args)
	case "iam":
		runIAM(args)
	case "least-privilege":
		runLeastPrivilege(args)
	case "images":
		runImages(args)
	case "requirements":
		runRequirements(args)
	case "principals":
		runPrincipals(args)
	case "spark-connect":
		runSparkConnect(args)
	case "kafka-acls":
		runKafkaACLs(args)
	default:
		usage()
	}
}
