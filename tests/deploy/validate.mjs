// Validates deploy/k8s offline:
//   - every YAML document (except kustomization.yaml) against the official Kubernetes
//     OpenAPI schema, through the kubernetes-models class matching its apiVersion/kind
//     (an apiVersion/kind without a class is an error);
//   - kustomization.yaml lists exactly the manifests in the directory;
//   - the settings mcpx relies on: non-root uid 10001, read-only root fs, no privilege
//     escalation, no capabilities, RuntimeDefault seccomp, probes on /health and
//     /health/ready, preStop sleep, terminationGracePeriodSeconds 60, the state secret as a
//     read-only file, resources, selectors that match the pods.
// usage: node validate.mjs [K8S_DIR]      (default: ../../deploy/k8s from this file)
// Prints one line per check and "validate: N passed, M failed"; exits 1 on any failure.
// Note: the schemas allow unknown fields (as the API server's non-strict mode does), so a
// misspelt optional field is caught only where a check below looks for it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(process.argv[2] ?? path.join(here, "../../deploy/k8s"));

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) {
    passed++;
    console.log(`  ok    ${name}`);
  } else {
    failed++;
    console.log(`  FAIL  ${name}${detail ? `: ${detail}` : ""}`);
  }
  return ok;
}

// "apps/v1" -> kubernetes-models/apps/v1, "v1" -> kubernetes-models/v1.
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion))
    return null;
  let mod;
  try {
    mod = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return null;
  }
  const cls = Object.hasOwn(mod, kind) ? mod[kind] : undefined;
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) return null;
  return cls;
}

function errorText(e) {
  if (Array.isArray(e?.errors))
    return e.errors.map((x) => `${x.instancePath || "/"} ${x.message}`).join("; ");
  return String(e?.message ?? e);
}

// ---------------------------------------------------------------- load ----
if (!fs.existsSync(dir)) {
  console.log(`validate: no such directory ${dir}`);
  console.log("validate: 0 passed, 1 failed");
  process.exit(1);
}
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const manifests = files.filter((f) => f !== "kustomization.yaml");
const objects = []; // { file, doc }

console.log(`schema (kubernetes-models) for ${manifests.length} file(s) in ${dir}:`);
for (const file of manifests) {
  let docs;
  try {
    docs = yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8"));
  } catch (e) {
    check(`${file}: parses`, false, errorText(e));
    continue;
  }
  docs = docs.filter((d) => d !== null && d !== undefined);
  if (!check(`${file}: has at least one document`, docs.length > 0)) continue;
  for (const [i, doc] of docs.entries()) {
    const label = `${file}#${i} ${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    const cls = await modelClass(doc?.apiVersion, doc?.kind);
    if (!check(`${label}: known apiVersion/kind (${doc?.apiVersion} ${doc?.kind})`, cls !== null)) continue;
    try {
      new cls(doc).validate();
      check(`${label}: valid ${doc.apiVersion} ${doc.kind}`, true);
    } catch (e) {
      check(`${label}: valid ${doc.apiVersion} ${doc.kind}`, false, errorText(e));
    }
    objects.push({ file, doc });
  }
}

// -------------------------------------------------------- kustomization ----
console.log("kustomization.yaml:");
{
  const file = path.join(dir, "kustomization.yaml");
  let k = null;
  try {
    k = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    check("kustomization.yaml: exists and parses", false, errorText(e));
  }
  if (k !== null) {
    check("kustomization.yaml: apiVersion/kind",
      k.apiVersion === "kustomize.config.k8s.io/v1beta1" && k.kind === "Kustomization",
      `${k.apiVersion} ${k.kind}`);
    const listed = Array.isArray(k.resources) ? k.resources : [];
    const missing = manifests.filter((f) => !listed.includes(f));
    const absent = listed.filter((f) => !manifests.includes(f));
    const dups = listed.filter((f, i) => listed.indexOf(f) !== i);
    check("kustomization.yaml: lists every manifest", missing.length === 0, `not listed: ${missing.join(", ")}`);
    check("kustomization.yaml: lists only existing manifests", absent.length === 0, `no such file: ${absent.join(", ")}`);
    check("kustomization.yaml: no duplicates", dups.length === 0, dups.join(", "));
  }
}

// ------------------------------------------------------------- policy ----
console.log("settings mcpx relies on:");
const byKind = (kind) => objects.filter((o) => o.doc.kind === kind).map((o) => o.doc);
const one = (kind) => {
  const all = byKind(kind);
  check(`exactly one ${kind}`, all.length === 1, `found ${all.length}`);
  return all[0];
};
const matches = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const dep = one("Deployment");
const svc = one("Service");
const pdb = one("PodDisruptionBudget");
const hpa = one("HorizontalPodAutoscaler");
const np = one("NetworkPolicy");
const secret = one("Secret");

let podLabels = {};
if (dep) {
  const spec = dep.spec ?? {};
  const pod = spec.template?.spec ?? {};
  podLabels = spec.template?.metadata?.labels ?? {};
  const psc = pod.securityContext ?? {};
  const containers = pod.containers ?? [];
  check("Deployment: 2 replicas", spec.replicas === 2, `replicas=${spec.replicas}`);
  check("Deployment: selector matches the pod labels", matches(spec.selector?.matchLabels, podLabels));
  check("Deployment: terminationGracePeriodSeconds 60", pod.terminationGracePeriodSeconds === 60,
    `${pod.terminationGracePeriodSeconds}`);
  check("Deployment: pod runAsNonRoot true, runAsUser 10001", psc.runAsNonRoot === true && psc.runAsUser === 10001);
  const ann = spec.template?.metadata?.annotations ?? {};
  check("Deployment: prometheus scrape annotations",
    ann["prometheus.io/scrape"] === "true" && ann["prometheus.io/port"] === "8000" &&
      ann["prometheus.io/path"] === "/metrics");
  check("Deployment: one container", containers.length === 1, `${containers.length}`);
  const vols = pod.volumes ?? [];
  for (const c of containers) {
    const n = `container ${c.name}`;
    const sc = c.securityContext ?? {};
    const eff = (k) => (sc[k] !== undefined ? sc[k] : psc[k]);
    check(`${n}: runAsNonRoot true`, eff("runAsNonRoot") === true);
    check(`${n}: runAsUser 10001`, eff("runAsUser") === 10001, `${eff("runAsUser")}`);
    check(`${n}: readOnlyRootFilesystem true`, sc.readOnlyRootFilesystem === true);
    check(`${n}: allowPrivilegeEscalation false`, sc.allowPrivilegeEscalation === false);
    check(`${n}: not privileged`, sc.privileged !== true);
    check(`${n}: capabilities drop ALL, add none`,
      (sc.capabilities?.drop ?? []).includes("ALL") && (sc.capabilities?.add ?? []).length === 0);
    check(`${n}: seccompProfile RuntimeDefault`, eff("seccompProfile")?.type === "RuntimeDefault");
    const port8000 = (c.ports ?? []).find((p) => p.containerPort === 8000);
    check(`${n}: containerPort 8000`, !!port8000);
    const portIs8000 = (p) => p === 8000 || (port8000 && p === port8000.name);
    const probe = (name, pathWanted) => {
      const g = c[name]?.httpGet;
      check(`${n}: ${name} httpGet ${pathWanted} on 8000`, !!g && g.path === pathWanted && portIs8000(g.port),
        g ? `${g.path} port ${g.port}` : "missing");
    };
    probe("livenessProbe", "/health");
    probe("readinessProbe", "/health/ready");
    probe("startupProbe", "/health");
    const sleep = c.lifecycle?.preStop?.sleep?.seconds;
    check(`${n}: preStop sleep action`, Number.isInteger(sleep) && sleep > 0, `${sleep}`);
    const grace = Number((c.env ?? []).find((e) => e.name === "MCPX_SHUTDOWN_GRACE_SECONDS")?.value ?? 30);
    check(`${n}: preStop sleep + drain grace < terminationGracePeriodSeconds`,
      (sleep ?? 0) + grace < (pod.terminationGracePeriodSeconds ?? 30), `${sleep} + ${grace}`);
    const r = c.resources ?? {};
    check(`${n}: cpu/memory requests and limits`,
      !!(r.requests?.cpu && r.requests?.memory && r.limits?.cpu && r.limits?.memory));
    const secEnv = (c.env ?? []).find((e) => e.name === "MCPX_MRTR_STATE_SECRET_FILE");
    check(`${n}: MCPX_MRTR_STATE_SECRET_FILE under /run/secrets`,
      typeof secEnv?.value === "string" && secEnv.value.startsWith("/run/secrets/"), `${secEnv?.value}`);
    check(`${n}: no secret values in env`,
      (c.env ?? []).every((e) => !e.valueFrom?.secretKeyRef) && (c.envFrom ?? []).every((e) => !e.secretRef));
    const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === "/run/secrets");
    const secVol = mount && vols.find((v) => v.name === mount.name);
    check(`${n}: /run/secrets is a read-only secret volume`, !!mount && mount.readOnly === true && !!secVol?.secret);
    if (secVol?.secret && secEnv?.value) {
      const file = secEnv.value.slice("/run/secrets/".length);
      const items = secVol.secret.items;
      check(`${n}: the secret volume provides ${file}`,
        Array.isArray(items) ? items.some((i) => i.path === file) : true);
      check(`${n}: the secret volume uses the Secret in secret.example.yaml`,
        !!secret && secVol.secret.secretName === secret.metadata?.name, `${secVol.secret.secretName}`);
      if (secret && Array.isArray(items))
        check(`${n}: the Secret has the keys the volume maps`,
          items.every((i) => Object.hasOwn(secret.stringData ?? {}, i.key) || Object.hasOwn(secret.data ?? {}, i.key)));
    }
    const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
    check(`${n}: /tmp is an emptyDir`, !!tmp && !!vols.find((v) => v.name === tmp.name)?.emptyDir);
  }
}
if (svc) {
  check("Service: selects the Deployment's pods", matches(svc.spec?.selector, podLabels));
  check("Service: targets port 8000", (svc.spec?.ports ?? []).some((p) => p.targetPort === 8000 || p.targetPort === "http"));
}
if (pdb) {
  check("PodDisruptionBudget: minAvailable 1", pdb.spec?.minAvailable === 1, `${pdb.spec?.minAvailable}`);
  check("PodDisruptionBudget: selects the Deployment's pods", matches(pdb.spec?.selector?.matchLabels, podLabels));
}
if (hpa) {
  check("HorizontalPodAutoscaler: autoscaling/v2", hpa.apiVersion === "autoscaling/v2");
  check("HorizontalPodAutoscaler: targets the Deployment",
    hpa.spec?.scaleTargetRef?.kind === "Deployment" && hpa.spec?.scaleTargetRef?.name === dep?.metadata?.name);
  check("HorizontalPodAutoscaler: CPU utilization 70%",
    (hpa.spec?.metrics ?? []).some((m) => m.type === "Resource" && m.resource?.name === "cpu" &&
      m.resource?.target?.type === "Utilization" && m.resource?.target?.averageUtilization === 70));
  check("HorizontalPodAutoscaler: minReplicas >= 2", (hpa.spec?.minReplicas ?? 1) >= 2);
}
if (np) {
  check("NetworkPolicy: selects the Deployment's pods", matches(np.spec?.podSelector?.matchLabels, podLabels));
  check("NetworkPolicy: governs Ingress", (np.spec?.policyTypes ?? []).includes("Ingress"));
  const rules = np.spec?.ingress ?? [];
  const ports = rules.flatMap((r) => r.ports ?? [null]);
  check("NetworkPolicy: ingress only on TCP 8000",
    rules.length > 0 && ports.length > 0 &&
      ports.every((p) => p !== null && p.port === 8000 && (p.protocol ?? "TCP") === "TCP" && p.endPort === undefined));
}
if (secret) {
  const values = Object.values(secret.stringData ?? {}).concat(
    Object.values(secret.data ?? {}).map((v) => Buffer.from(String(v), "base64").toString()));
  check("Secret: example value is obviously fake",
    values.length > 0 && values.every((v) => /EXAMPLE|FAKE|REPLACE/i.test(String(v))));
}

console.log(`validate: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
