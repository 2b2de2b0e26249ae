// Package deploy holds the checks of the deployment descriptors at the
// repository root: template.yml (AWS SAM), s.yaml (Serverless Devs, FC3),
// events/*.json and deploy.mk. Its tests validate the descriptors offline
// against the published JSON schemas, compare them with what the code
// needs (routes, environment, table access), drive the real handlers with
// the sample events, and run the cloud CLIs' offline checks where those
// tools are installed. It has no code of its own beyond this comment.
package deploy
