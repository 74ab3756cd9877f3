// make test-deploy-models: every manifest of deploy/argo validated against the Argo
// Rollouts CRD schemas, as @kubernetes-models/argo-rollouts ships them (generated
// from Argo's own CRDs); exits 1 naming the file and the schema error. A kind the
// package does not know is an error too, so a new file cannot slip by unchecked.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { Rollout, AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";

const kinds = { Rollout, AnalysisTemplate };
const dir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "deploy", "argo");
let failed = 0;
let checked = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith(".yaml")).sort()) {
  for (const object of yaml.loadAll(readFileSync(join(dir, file), "utf8"))) {
    const Model = kinds[object?.kind];
    try {
      if (!Model || object.apiVersion !== "argoproj.io/v1alpha1") {
        throw new Error(`${object?.apiVersion}/${object?.kind} is not an Argo Rollouts kind checked here`);
      }
      new Model(object).validate();
      checked += 1;
      console.log(`ok   ${file}: ${object.kind} ${object.metadata.name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${file}: ${error.message}`);
    }
  }
}
if (failed > 0 || checked === 0) {
  console.log(`${failed} invalid, ${checked} valid`);
  process.exit(1);
}
