import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

// The manifests of deploy/k8s as Kubernetes would receive them: an overlay rendered by
// `kubectl kustomize`, each object checked against its schema, and the small pieces of
// Kubernetes semantics test/deploy/k8s-manifests.spec.ts reasons with (label selectors, a
// container's environment, quantities).

export const REPO_ROOT = join(__dirname, '..', '..');
export const K8S_DIR = join(REPO_ROOT, 'deploy', 'k8s');

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}

export interface ConfigMap extends K8sObject {
  readonly data?: Labels;
}

interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: KeyRef; readonly configMapKeyRef?: KeyRef; readonly fieldRef?: unknown };
}

export interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port: number | string };
}

export type Quantities = Readonly<Record<string, string | number>>;

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { readonly configMapRef?: { readonly name: string }; readonly secretRef?: { readonly name: string } }[];
  readonly startupProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly resources?: { readonly requests?: Quantities; readonly limits?: Quantities };
  readonly securityContext?: SecurityContext;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly enableServiceLinks?: boolean;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContext;
  readonly volumes?: readonly { readonly name: string; readonly emptyDir?: unknown }[];
}

/** A Deployment or a Job: what runs pods. */
export interface Workload extends K8sObject {
  readonly spec: {
    readonly replicas?: number;
    readonly selector?: LabelSelector;
    readonly template: { readonly metadata?: { readonly labels?: Labels }; readonly spec: PodSpec };
  };
}

export interface Service extends K8sObject {
  readonly spec: {
    readonly selector?: Labels;
    readonly clusterIP?: string;
    readonly ports: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number | string }[];
  };
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface NetworkPolicyPort {
  readonly protocol?: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicy extends K8sObject {
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly { readonly from?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
    readonly egress?: readonly { readonly to?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
  };
}

export interface PodDisruptionBudget extends K8sObject {
  readonly spec: { readonly selector?: LabelSelector; readonly maxUnavailable?: number | string; readonly minAvailable?: number | string };
}

export interface ScaledObject extends K8sObject {
  readonly spec: {
    readonly scaleTargetRef: { readonly name: string; readonly kind?: string; readonly envSourceContainerName?: string };
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
    readonly triggers: readonly {
      readonly type: string;
      readonly metricType?: string;
      readonly metadata: Labels;
      readonly authenticationRef?: { readonly name: string; readonly kind?: string };
    }[];
  };
}

export interface TriggerAuthentication extends K8sObject {
  readonly spec: {
    readonly env?: readonly { readonly parameter: string; readonly name: string; readonly containerName?: string }[];
    readonly secretTargetRef?: readonly { readonly parameter: string; readonly name: string; readonly key: string }[];
  };
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** What `kubectl kustomize` is run as: $KUBECTL when set, else `kubectl` on the PATH or in the usual places. */
export function findKubectl(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const chosen = env['KUBECTL'];
  if (chosen) return executable(chosen) ? chosen : undefined;
  const candidates = [...(env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'kubectl')), '/usr/bin/kubectl', '/usr/local/bin/kubectl'];
  return candidates.find(executable);
}

/** The objects of `deploy/k8s/overlays/<overlay>`, as `kubectl kustomize` renders them. */
export function renderOverlay(overlay: string): K8sObject[] {
  const kubectl = findKubectl();
  if (!kubectl) {
    const chosen = process.env['KUBECTL'];
    throw new Error(
      `${chosen ? `KUBECTL=${chosen} is not an executable file` : 'kubectl was not found on the PATH, in /usr/bin or in /usr/local/bin'}: ` +
        'install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/; its kustomize v5 knows components and labels) or set KUBECTL=/path/to/kubectl. ' +
        'test/deploy renders deploy/k8s/overlays/* with `kubectl kustomize`.',
    );
  }
  const dir = join(K8S_DIR, 'overlays', overlay);
  const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (exit ${String(result.status)}):\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** One object that failed its schema (or has none), as test/deploy/validate-models.mjs reports it. */
export interface SchemaProblem {
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name?: string;
  readonly error: string;
}

/** Checks every object against the `kubernetes-models` / `@kubernetes-models/keda` schemas (in a child process: they are ES modules). */
export function schemaProblems(objects: readonly K8sObject[]): SchemaProblem[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-models.mjs')], {
    cwd: REPO_ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`validate-models.mjs failed (exit ${String(result.status)}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as SchemaProblem[];
}

/** Whether `labels` satisfy `selector`, as the API server decides it (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Labels | undefined): boolean {
  if (selector === undefined) return false;
  const have = labels ?? {};
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => have[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in have && values.includes(have[key] as string);
      case 'NotIn':
        return !(key in have) || !values.includes(have[key] as string);
      case 'Exists':
        return key in have;
      case 'DoesNotExist':
        return !(key in have);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** Whether a selector is the empty one (it selects every pod of the namespace). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Where one variable of a container's environment comes from. */
export type EnvSource =
  | { readonly from: 'value' }
  | { readonly from: 'configMap'; readonly configMap: string }
  | { readonly from: 'secret'; readonly secret: string; readonly key: string; readonly optional: boolean };

export interface ResolvedEnv {
  /** Values of the literal and ConfigMap variables; secret ones are absent (see `sources`). */
  readonly values: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<string, EnvSource>>;
  /** Problems: a ConfigMap or key that is not in the render, a variable set twice, a source not understood. */
  readonly problems: readonly string[];
}

/** A container's environment as the kubelet builds it: `envFrom` first, then `env`, which wins. */
export function resolveEnv(container: Container, configMaps: readonly ConfigMap[]): ResolvedEnv {
  const values: Record<string, string> = {};
  const sources: Record<string, EnvSource> = {};
  const problems: string[] = [];
  const configMap = (name: string): ConfigMap | undefined => configMaps.find((c) => c.metadata.name === name);
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) {
      problems.push(`envFrom secretRef ${from.secretRef.name}: take each secret by secretKeyRef, so what a pod gets is visible`);
      continue;
    }
    const name = from.configMapRef?.name ?? '';
    const found = configMap(name);
    if (!found) {
      problems.push(`envFrom configMapRef ${name} is not in the render`);
      continue;
    }
    for (const [key, value] of Object.entries(found.data ?? {})) {
      values[key] = value;
      sources[key] = { from: 'configMap', configMap: name };
    }
  }
  const seen = new Set<string>();
  for (const variable of container.env ?? []) {
    if (seen.has(variable.name)) problems.push(`${variable.name} is listed twice in env`);
    seen.add(variable.name);
    const secret = variable.valueFrom?.secretKeyRef;
    const fromMap = variable.valueFrom?.configMapKeyRef;
    if (variable.value !== undefined) {
      values[variable.name] = variable.value;
      sources[variable.name] = { from: 'value' };
    } else if (secret) {
      delete values[variable.name];
      sources[variable.name] = { from: 'secret', secret: secret.name, key: secret.key, optional: secret.optional === true };
    } else if (fromMap) {
      const value = configMap(fromMap.name)?.data?.[fromMap.key];
      if (value === undefined) problems.push(`${variable.name}: ConfigMap ${fromMap.name} key ${fromMap.key} is not in the render`);
      else {
        values[variable.name] = value;
        sources[variable.name] = { from: 'configMap', configMap: fromMap.name };
      }
    } else {
      problems.push(`${variable.name}: a source this check does not understand`);
    }
  }
  return { values, sources, problems };
}

/** A CPU or memory quantity (`500m`, `2`, `256Mi`, `1G`) in its base unit. */
export function quantity(raw: string | number): number {
  if (typeof raw === 'number') return raw;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(raw);
  if (!match) throw new Error(`not a quantity this check understands: ${raw}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] === undefined ? 1 : (factors[match[2]] as number));
}
