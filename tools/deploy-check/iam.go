package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// stringOrList: IAM accepts "Action": "s3:GetObject" as well as a list.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings, received %s", data)
	}
	*s = many
	return nil
}

type policyDocument struct {
	Version   string `json:"Version"`
	Statement []struct {
		Sid       string                    `json:"Sid"`
		Effect    string                    `json:"Effect"`
		Principal map[string]stringOrList   `json:"Principal,omitempty"`
		Action    stringOrList              `json:"Action"`
		Resource  stringOrList              `json:"Resource,omitempty"`
		Condition map[string]map[string]any `json:"Condition,omitempty"`
	} `json:"Statement"`
}

// runIAM: each policy document decodes strictly and grants least privilege: no wildcard actions, no
// Resource "*", and iam:PassRole only towards one service.
func runIAM(args []string) {
	if len(args) == 0 {
		usage()
	}
	var p problems
	for _, file := range args {
		data, err := os.ReadFile(file)
		if err != nil {
			p.add(file, "%v", err)
			continue
		}
		var doc policyDocument
		for _, e := range strictDecode(data, &doc) {
			p.add(file, "%s", e)
		}
		if doc.Version != "2012-10-17" {
			p.add(file, "Version %q: expected \"2012-10-17\"", doc.Version)
		}
		if len(doc.Statement) == 0 {
			p.add(file, "no Statement")
		}
		for i, st := range doc.Statement {
			where := fmt.Sprintf("%s: statement %d %q", file, i+1, st.Sid)
			if st.Effect != "Allow" && st.Effect != "Deny" {
				p.add(where, "Effect %q: expected Allow or Deny", st.Effect)
			}
			if len(st.Action) == 0 {
				p.add(where, "no Action")
			}
			for _, a := range st.Action {
				if a == "*" || strings.HasSuffix(a, ":*") {
					p.add(where, "wildcard action %q: list the actions the pipeline uses", a)
				}
				if a == "iam:PassRole" && st.Condition["StringEquals"]["iam:PassedToService"] == nil {
					p.add(where, "iam:PassRole needs a Condition StringEquals iam:PassedToService")
				}
			}
			if st.Principal == nil && len(st.Resource) == 0 {
				p.add(where, "no Resource")
			}
			for _, r := range st.Resource {
				if r == "*" {
					p.add(where, "Resource \"*\": name the ARNs")
				}
			}
		}
	}
	p.exit(fmt.Sprintf("ok %d IAM policy document(s) decode strictly and grant no wildcard", len(args)))
}
