// Validates Kubernetes objects against the JSON schemas of `kubernetes-models` (Kubernetes' own
// OpenAPI) and `@kubernetes-models/keda` (KEDA's CRDs). Both packages are ES modules only, which
// Jest's CommonJS runtime cannot load, so k8s-manifests.spec.ts runs this file in a child Node.js
// process: a JSON array of objects on stdin; on stdout a JSON array of
// { index, apiVersion, kind, name, error } for each object that has no model or fails its schema.
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

/** apiVersion → the module whose exports are the model classes of its kinds. */
const MODELS = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'policy/v1': policy,
  'networking.k8s.io/v1': networking,
  'autoscaling/v2': autoscaling,
  'keda.sh/v1alpha1': keda,
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);

const problems = [];
objects.forEach((object, index) => {
  const { apiVersion, kind } = object ?? {};
  const name = object?.metadata?.name;
  const Model = MODELS[apiVersion]?.[kind];
  if (typeof Model !== 'function' || typeof Model.prototype?.validate !== 'function') {
    problems.push({ index, apiVersion, kind, name, error: `no schema model for ${apiVersion}/${kind}; add its module to test/deploy/validate-models.mjs` });
    return;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push({ index, apiVersion, kind, name, error: error instanceof Error ? error.message : String(error) });
  }
});
process.stdout.write(JSON.stringify(problems));
