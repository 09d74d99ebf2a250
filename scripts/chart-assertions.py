"""Where the Helm chart's values land in the rendered manifests (run by scripts/deploy-checks.sh with the tools' Python,
which has PyYAML through kubernetes-validate).

Usage: python chart-assertions.py DIR, where DIR holds `helm template` outputs named after the values sets:
default.yaml, evaluation-values.yaml, evaluation-values.again.yaml (a second render), extras-values.yaml,
production-values.yaml. Prints one line per failed assertion and exits 1 if any failed.
"""
import re
import sys
from pathlib import Path

import yaml

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def load(directory, name):
    docs = [d for d in yaml.safe_load_all((directory / name).read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def container(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def env_names(c):
    return [e["name"] for e in c.get("env", [])]


def main(directory):
    default = load(directory, "default.yaml")
    api = default[("Deployment", "ams-api")]
    pod = api["spec"]["template"]["spec"]
    check(container(api)["image"] == "registry.example.org/ams/ams:0.1.0", "default: image is repository:appVersion")
    check(pod["automountServiceAccountToken"] is False, "default: no service account token in the pod")
    check("priorityClassName" not in pod, "default: no priorityClassName")
    check(not any(k == "NetworkPolicy" for k, _ in default), "default: NetworkPolicy is off")
    check(("PersistentVolumeClaim", "ams-data") in default, "default: the chart creates the data PVC")
    check(container(api)["readinessProbe"]["httpGet"]["path"] == "/v1/status", "default: readiness probe /v1/status")
    check(not any(k == "PodDisruptionBudget" for k, _ in default), "default (embedded): no PodDisruptionBudget")

    extras = load(directory, "extras-values.yaml")
    api = extras[("Deployment", "ams-api")]
    pod = api["spec"]["template"]["spec"]
    c = container(api)
    check(c["image"].endswith("/ams/ams@sha256:" + "0123456789abcdef" * 4), "extras: image pulled by digest, tag ignored")
    names = env_names(c)
    check(len(names) == len(set(names)), f"extras: one env entry per name, got {names}")
    metrics_token = [e for e in c["env"] if e["name"] == "AMS_METRICS_TOKEN"]
    check(
        len(metrics_token) == 1 and metrics_token[0]["valueFrom"]["secretKeyRef"]["name"] == "scrape-token",
        "extras: extraEnv replaces the chart's AMS_METRICS_TOKEN",
    )
    check({"name": "AMS_LOG_LEVEL", "value": "debug"} in c["env"], "extras: extraEnv added")
    check({"secretRef": {"name": "ams-extra"}} in c["envFrom"], "extras: extraEnvFrom added")
    check(c["envFrom"][0] == {"configMapRef": {"name": "ams"}}, "extras: the chart's ConfigMap stays first in envFrom")
    volumes = {v["name"]: v for v in pod["volumes"]}
    check(volumes.get("ca", {}).get("configMap") == {"name": "corporate-ca"}, "extras: extraVolumes added")
    check(
        volumes.get("data", {}).get("persistentVolumeClaim") == {"claimName": "ams-data-restored"},
        "extras: persistence.existingClaim mounted",
    )
    check(not any(k == "PersistentVolumeClaim" for k, _ in extras), "extras: no PVC created with existingClaim")
    check(
        {"name": "ca", "mountPath": "/etc/ssl/corporate", "readOnly": True} in c["volumeMounts"],
        "extras: extraVolumeMounts added",
    )
    check(pod.get("priorityClassName") == "ams-critical", "extras: priorityClassName")
    check(c["readinessProbe"]["periodSeconds"] == 5, "extras: readiness probe override applied")
    check(c["readinessProbe"]["httpGet"]["path"] == "/v1/status", "extras: readiness probe keeps the fields not overridden")
    check(c["startupProbe"]["failureThreshold"] == 120, "extras: startup probe override applied")
    check(pod["automountServiceAccountToken"] is True, "extras: serviceAccount.automount reaches the pod")
    check(pod["serviceAccountName"] == "ams-runtime", "extras: serviceAccount.name")
    check(extras[("ServiceAccount", "ams-runtime")]["automountServiceAccountToken"] is True, "extras: SA automount")
    meta = api["spec"]["template"]["metadata"]
    check(meta["annotations"].get("example.org/team") == "messaging", "extras: pod annotations")
    check(meta["labels"].get("example.org/tier") == "backend", "extras: pod labels")
    check(pod.get("tolerations", [{}])[0].get("key") == "dedicated", "extras: tolerations")
    policy = extras.get(("NetworkPolicy", "ams-api"))
    check(policy is not None, "extras: NetworkPolicy for the API")
    if policy is not None:
        spec = policy["spec"]
        check(spec["policyTypes"] == ["Ingress", "Egress"], "extras: egress rules make an Egress policy")
        check(spec["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}], "extras: only the HTTP port is open")
        check(
            spec["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"},
            "extras: networkPolicy.from",
        )
        check(spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api", "extras: policy selects the API pods")

    production = load(directory, "production-values.yaml")
    check(("PodDisruptionBudget", "ams-api") in production, "production: PDB for the API")
    check(("PodDisruptionBudget", "ams-push-worker") in production, "production: PDB for the push workers")
    check(("NetworkPolicy", "ams-push-worker") in production, "production: NetworkPolicy for the push workers")
    check(not any(k == "Secret" for k, _ in production), "production: existingSecret, no chart Secret")
    push = production[("Deployment", "ams-push-worker")]
    check(
        push["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname",
        "production: push topologySpreadConstraints",
    )
    check(env_names(container(push)).count("AMS_PUSH_WORKER_PORT") == 1, "production: push worker port set once")
    ingress = production[("Ingress", "ams")]["spec"]
    check(ingress["ingressClassName"] == "nginx" and ingress["tls"][0]["secretName"], "production: ingress class and TLS")

    # The evaluation values carry no secret; the chart generates them (64 hex), anew on each first install.
    first = load(directory, "evaluation-values.yaml")[("Secret", "ams-secrets")]["stringData"]
    again = load(directory, "evaluation-values.again.yaml")[("Secret", "ams-secrets")]["stringData"]
    for key in ("AMS_ADMIN_TOKEN", "AMS_TOKEN_KEY"):
        check(re.fullmatch(r"[0-9a-f]{64}", first.get(key, "")) is not None, f"evaluation: {key} generated, 64 hex")
        check(first.get(key) != again.get(key), f"evaluation: {key} is generated, not fixed")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    for failure in failures:
        print(f"chart assertion failed: {failure}")
    if failures:
        sys.exit(1)
    print("chart assertions passed")
