"""The deployment files: they parse, and they say what production needs.

Kubernetes (deploy/k8s/): each web Deployment has two replicas, probes on
``/healthz`` (liveness) and ``/readyz`` (readiness) on the port gunicorn binds,
requests and limits on every container, a non-root read-only container, a
Service, a PodDisruptionBudget and an Ingress host matching its public URL;
each worker runs once, recreated rather than rolled. The environment that the
ConfigMaps and Secrets give each process is the one the services check at
start: each app is built with it in production mode.

docker compose (deploy/docker-compose.yml): two replicas of each web service
behind the proxy, one worker each, the SMTP catcher wired as the notifier's
server, Prism in the ``local`` profile and pointed at by local.env.

Variables: every variable the code reads is documented in deploy/.env.example,
and the manifests set none that the code does not know.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import runpy
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML absent (dev extra): deployment tests skipped")

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = {"scheduler": 8001, "notifier": 8002, "calendar": 8003}
WORKER_COMMAND = re.compile(r"python -m (services\.(\w+)\.entrypoints\.worker)$")
#: Variables of the platform rather than of the services' settings.
PLATFORM_VARIABLES = {
    "HEALTHCHECK_URL", "FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR",
    "COMPOSE_PROFILES", "POSTGRES_USER", "POSTGRES_PASSWORD", "RELAIS_IMAGE",
    "RELAIS_BIND_ADDRESS",
}
RELAIS_PREFIXES = ("RELAIS_", "SCHEDULER_", "NOTIFIER_", "CALENDAR_", "TWILIO_", "SMTP_",
                   "GUNICORN_", "DATABASE_URL")


# --- loading ------------------------------------------------------------------


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


def k8s_documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return documents


def k8s(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == kind}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def command_line(command: list[str] | str) -> str:
    return command if isinstance(command, str) else shlex.join(command)


def bind_port(command: list[str]) -> int:
    bind = command[command.index("--bind") + 1]
    return int(bind.rsplit(":", 1)[1])


def app_factory(command: list[str]) -> str:
    return command[-1]


def env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def documented_names(path: Path) -> set[str]:
    """Names set or shown commented out (``# NAME=``) in an env file."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), re.MULTILINE))


def variables_read_by_the_code() -> set[str]:
    """Every environment variable named by the services and the shared package.

    Read from the source, so that a setting added later must be documented
    too; ``f"{prefix}_..."`` names are expanded for each service.
    """
    pattern = re.compile(r"""(?:env_str|env_int|env_float|env_flag|_float|_flag|environ\.get|"""
                         r"""getenv)\(\s*f?["']([A-Za-z0-9_{}]+)["']""")
    names: set[str] = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]:
        for name in pattern.findall(path.read_text()):
            if "{" in name:
                names |= {re.sub(r"\{\w+\}", service.upper(), name) for service in SERVICES}
            elif name.isupper():
                names.add(name)
    return names


def gunicorn_variables() -> set[str]:
    text = (DEPLOY / "gunicorn.conf.py").read_text()
    return set(re.findall(r"""environ\.get\(\s*["']([A-Z0-9_]+)["']""", text))


def known_variables() -> set[str]:
    return variables_read_by_the_code() | gunicorn_variables() | PLATFORM_VARIABLES


@pytest.fixture
def fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@pytest.fixture
def production_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run code with exactly the given environment (nothing from the machine)."""

    def use(environ: Mapping[str, str]) -> None:
        monkeypatch.setattr(os, "environ", {"PATH": "/usr/bin:/bin", **environ})

    yield use


def build_app(service: str) -> Any:
    module = importlib.import_module(f"services.{service}.app")
    return module.create_app()


# --- every file ---------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert documents, f"{path} est vide"
    for document in documents:
        assert isinstance(document, dict)


def test_every_kubernetes_document_is_namespaced_and_labelled() -> None:
    for document in k8s_documents():
        if document["kind"] in ("Namespace", "Kustomization"):
            continue
        assert document["metadata"].get("namespace") == "relais", document["metadata"]["name"]
        assert document["metadata"]["labels"]["app.kubernetes.io/part-of"] == "relais"


def test_kustomization_lists_existing_files_and_not_the_secret_example() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert "secret.example.yaml" not in kustomization["resources"]
    assert "migrate-job.yaml" not in kustomization["resources"], "migrations run first, apart"


# --- Kubernetes: web services -----------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_web_deployment_has_two_replicas_and_probes_on_gunicorn_port(service: str) -> None:
    deployment = k8s("Deployment")[f"relais-{service}"]
    assert deployment["spec"]["replicas"] == 2
    (container,) = pod_spec(deployment)["containers"]
    command = container["command"]
    assert command[0] == "gunicorn" and "deploy/gunicorn.conf.py" in command
    assert app_factory(command) == f"services.{service}.app:create_app()"
    port = bind_port(command)
    assert port == SERVICES[service]
    named = {p["name"]: p["containerPort"] for p in container["ports"]}

    def probe_port(probe: Mapping[str, Any]) -> int:
        value = probe["httpGet"]["port"]
        return int(named[value] if isinstance(value, str) else value)

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert probe_port(container[probe]) == port, probe
    grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
    assert grace > int(k8s("ConfigMap")["relais-config"]["data"]["GUNICORN_GRACEFUL_TIMEOUT"])


@pytest.mark.parametrize("service", SERVICES)
def test_web_service_pdb_and_ingress_reach_the_deployment(service: str) -> None:
    name = f"relais-{service}"
    labels = k8s("Deployment")[name]["spec"]["template"]["metadata"]["labels"]
    selector = k8s("Deployment")[name]["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    svc = k8s("Service")[name]
    assert svc["spec"]["selector"].items() <= labels.items()
    (port,) = svc["spec"]["ports"]
    assert port["port"] == SERVICES[service] and port["targetPort"] == "http"
    pdb = k8s("PodDisruptionBudget")[name]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] == 1

    public = k8s("ConfigMap")["relais-config"]["data"][f"{service.upper()}_PUBLIC_URL"]
    host = re.sub(r"^https://", "", public).rstrip("/")
    (ingress,) = k8s("Ingress").values()
    rules = {rule["host"]: rule for rule in ingress["spec"]["rules"]}
    backend = rules[host]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": name, "port": {"name": "http"}}
    assert any(host in tls["hosts"] for tls in ingress["spec"]["tls"])


def test_every_container_has_requests_limits_and_runs_unprivileged() -> None:
    workloads = [*k8s("Deployment").values(), *k8s("Job").values()]
    # three web services, three workers, the migrations, and Redis
    assert len(workloads) == 8
    for workload in workloads:
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in containers(workload):
            resources = container["resources"]
            for level in ("requests", "limits"):
                assert {"cpu", "memory"} <= resources[level].keys(), (name, level)
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name} : /tmp doit être inscriptible"


# --- Kubernetes: workers and migrations -----------------------------------------


def k8s_workers() -> dict[str, dict[str, Any]]:
    found = {}
    for deployment in k8s("Deployment").values():
        (container,) = pod_spec(deployment)["containers"]
        match = WORKER_COMMAND.match(command_line(container.get("command", [])))
        if match:
            found[match.group(1)] = deployment
    return found


def test_one_worker_per_service_single_replica_recreated() -> None:
    workers = k8s_workers()
    assert set(workers) == {f"services.{s}.entrypoints.worker" for s in SERVICES}
    for module, deployment in workers.items():
        assert deployment["spec"]["replicas"] == 1, module
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}, module
        assert pod_spec(deployment)["terminationGracePeriodSeconds"] >= 30


def test_migration_job_migrates_each_service_with_its_own_configuration() -> None:
    (job,) = k8s("Job").values()
    migrated = {}
    for container in containers(job):
        command = container["command"]
        assert command[:2] == ["flask", "--app"] and command[3] == "migrate"
        service = command[2].split(".")[1]
        migrated[service] = {ref.get("secretRef", ref.get("configMapRef", {}))["name"]
                             for ref in container["envFrom"]}
    assert set(migrated) == set(SERVICES)
    for service, sources in migrated.items():
        assert f"relais-{service}-secrets" in sources


# --- Kubernetes: the environment ------------------------------------------------


def k8s_environ(container: Mapping[str, Any], fernet_key: str) -> dict[str, str]:
    """What the container's process finds in its environment."""
    config_maps, secrets = k8s("ConfigMap"), k8s("Secret")
    environ: dict[str, str] = {}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            environ |= config_maps[ref["configMapRef"]["name"]]["data"]
        else:
            environ |= secrets[ref["secretRef"]["name"]]["stringData"]
    for item in container.get("env", []):
        environ[item["name"]] = item["value"]
    if environ.get("CALENDAR_ENCRYPTION_KEY", "").startswith("REPLACE_ME"):
        environ["CALENDAR_ENCRYPTION_KEY"] = fernet_key  # the example cannot hold a real key
    return {name: str(value) for name, value in environ.items()}


def test_every_referenced_configmap_and_secret_exists() -> None:
    config_maps, secrets = k8s("ConfigMap"), k8s("Secret")
    for workload in [*k8s("Deployment").values(), *k8s("Job").values()]:
        for container in containers(workload):
            for ref in container.get("envFrom", []):
                if "configMapRef" in ref:
                    assert ref["configMapRef"]["name"] in config_maps
                else:
                    assert ref["secretRef"]["name"] in secrets


def test_secret_example_holds_placeholders_only() -> None:
    for secret in k8s("Secret").values():
        for name, value in secret["stringData"].items():
            assert "REPLACE" in value.upper(), f"{name} : valeur réelle dans l'exemple ?"


@pytest.mark.parametrize("service", SERVICES)
def test_web_pods_get_a_complete_production_configuration(
    service: str, production_environ: Any, fernet_key: str
) -> None:
    (container,) = pod_spec(k8s("Deployment")[f"relais-{service}"])["containers"]
    environ = k8s_environ(container, fernet_key)
    assert environ["RELAIS_ENV"] == "production"
    production_environ(environ)
    # The services' own start-up check (shared.config.check_settings and the
    # service's REQUIRED_IN_PRODUCTION) passes with exactly this environment.
    app = build_app(service)
    assert app.config["RELAIS_ENV"] == "production"
    assert app.config["DATABASE_URL"].startswith("postgresql")
    assert app.config["TRUSTED_PROXIES"] == 1


@pytest.mark.parametrize("service", SERVICES)
def test_without_the_secrets_the_service_refuses_to_start(
    service: str, production_environ: Any, fernet_key: str
) -> None:
    from shared.config import ConfigError

    (container,) = pod_spec(k8s("Deployment")[f"relais-{service}"])["containers"]
    environ = k8s_environ(container, fernet_key)
    for secret in k8s("Secret").values():
        for name in secret["stringData"]:
            environ.pop(name, None)
    production_environ(environ)
    with pytest.raises(ConfigError):
        build_app(service)


def test_notifier_worker_gets_a_complete_production_configuration(fernet_key: str) -> None:
    from services.notifier.bootstrap import email_backend, sms_backend
    from services.notifier.settings import load_settings
    from shared.config import check_settings

    (container,) = pod_spec(k8s_workers()["services.notifier.entrypoints.worker"])["containers"]
    config = load_settings(k8s_environ(container, fernet_key))
    check_settings(config)
    assert (sms_backend(config), email_backend(config)) == ("twilio", "smtp")
    assert not config["TWILIO_API_BASE_URL"], "production talks to Twilio itself"


@pytest.mark.parametrize("service", SERVICES)
def test_workers_and_migrations_read_the_same_configuration_as_the_web_pods(
    service: str, fernet_key: str
) -> None:
    (web,) = pod_spec(k8s("Deployment")[f"relais-{service}"])["containers"]
    expected = {k: v for k, v in k8s_environ(web, fernet_key).items()
                if k != "PROMETHEUS_MULTIPROC_DIR"}
    (worker,) = pod_spec(k8s_workers()[f"services.{service}.entrypoints.worker"])["containers"]
    (job,) = k8s("Job").values()
    (migrate,) = [c for c in containers(job) if f"services.{service}.app" in c["command"]]
    assert k8s_environ(worker, fernet_key) == expected
    assert k8s_environ(migrate, fernet_key) == expected


# --- docker compose -------------------------------------------------------------


def compose_workers() -> dict[str, dict[str, Any]]:
    found = {}
    for service in compose()["services"].values():
        match = WORKER_COMMAND.match(command_line(service.get("command", "")))
        if match:
            found[match.group(1)] = service
    return found


_INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}``."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        current = environ.get(name, "")
        if operator == ":-":
            return current or argument
        if operator == ":?":
            assert current, f"{name} : {argument}"
        return current

    return _INTERPOLATION.sub(one, value)


def compose_environ(service: str, dotenv: Mapping[str, str]) -> dict[str, str]:
    environment = compose()["services"][service]["environment"]
    return {name: interpolate(str(value), dotenv) for name, value in environment.items()}


@pytest.fixture
def dotenv(fernet_key: str) -> dict[str, str]:
    """deploy/.env.example with its empty secrets filled in, as an operator would."""
    values = env_file(DEPLOY / ".env.example")
    for name in ("POSTGRES_PASSWORD", "RELAIS_SECRET_KEY", "RELAIS_SERVICE_TOKEN"):
        assert values[name] == "", f"{name} : pas de secret dans .env.example"
        values[name] = f"test-{name.lower()}-0123456789"
    assert values["CALENDAR_ENCRYPTION_KEY"] == ""
    values["CALENDAR_ENCRYPTION_KEY"] = fernet_key
    return values


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_two_replicas_of_each_web_service(service: str) -> None:
    definition = compose()["services"][service]
    assert definition["deploy"]["replicas"] == 2
    assert "ports" not in definition, "reached through the proxy only"
    assert bind_port(definition["command"]) == SERVICES[service]
    assert app_factory(definition["command"]) == f"services.{service}.app:create_app()"
    assert {"cpus", "memory"} <= definition["deploy"]["resources"]["limits"].keys()
    assert definition["read_only"] is True
    depends = definition["depends_on"][f"migrate-{service}"]
    assert depends["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_web_services_get_a_complete_production_configuration(
    service: str, dotenv: dict[str, str], production_environ: Any
) -> None:
    environ = compose_environ(service, dotenv)
    assert environ["RELAIS_ENV"] == "production"
    assert environ["RELAIS_TRUSTED_PROXIES"] == "1"
    assert environ["HEALTHCHECK_URL"] == f"http://127.0.0.1:{SERVICES[service]}/healthz"
    assert environ["DATABASE_URL"].endswith(f"@postgres:5432/{service}")
    production_environ(environ)
    assert build_app(service).config["RELAIS_ENV"] == "production"
    migrate = compose()["services"][f"migrate-{service}"]
    assert migrate["command"] == ["flask", "--app", f"services.{service}.app", "migrate"]
    assert compose_environ(f"migrate-{service}", dotenv).items() <= environ.items()


def test_compose_runs_one_worker_per_service() -> None:
    workers = compose_workers()
    assert set(workers) == {f"services.{s}.entrypoints.worker" for s in SERVICES}
    for module, definition in workers.items():
        assert definition["deploy"]["replicas"] == 1, module
        assert {"cpus", "memory"} <= definition["deploy"]["resources"]["limits"].keys()


def test_compose_proxy_spreads_each_port_over_its_service() -> None:
    services = compose()["services"]
    proxy = services["proxy"]
    assert any(v.startswith("./Caddyfile:") for v in proxy["volumes"])
    published = {int(p.rsplit(":", 2)[-1]) for p in proxy["ports"]}
    assert published == set(SERVICES.values())
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    for service, port in SERVICES.items():
        assert re.search(rf"^:{port} \{{\s*import relais_upstream {service} {port}\s*\}}",
                         caddyfile, re.MULTILINE), service
    assert "dynamic a" in caddyfile


def test_compose_notifier_sends_e_mail_to_the_catcher(dotenv: dict[str, str]) -> None:
    services = compose()["services"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    dotenv = {k: v for k, v in dotenv.items() if not k.startswith("SMTP_")}
    for name in ("notifier", "notifier-worker"):
        environ = compose_environ(name, dotenv)
        assert (environ["SMTP_HOST"], environ["SMTP_PORT"], environ["SMTP_SECURITY"]) == (
            "mailpit", "1025", "none")


def test_prism_serves_twilio_in_the_local_profile(dotenv: dict[str, str]) -> None:
    services = compose()["services"]
    prism = services["prism"]
    assert prism["profiles"] == ["local"]
    assert prism["image"].startswith("stoplight/prism")
    command = prism["command"]
    port = int(command[command.index("-p") + 1])
    host_path, mounted = prism["volumes"][0].split(":")[:2]
    assert mounted == command[-1]
    # The same description the provider tests give Prism (../shared/twilio/).
    assert (DEPLOY / host_path).resolve() == (
        ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json").resolve()
    local = env_file(DEPLOY / "local.env")
    assert local["COMPOSE_PROFILES"] == "local"
    assert local["TWILIO_API_BASE_URL"] == f"http://prism:{port}"
    assert re.fullmatch(r"AC[0-9a-f]{32}", local["TWILIO_ACCOUNT_SID"])
    for name in ("notifier", "notifier-worker"):
        environ = compose_environ(name, dotenv | local)
        assert environ["TWILIO_API_BASE_URL"] == f"http://prism:{port}"
        assert environ["TWILIO_ACCOUNT_SID"] == local["TWILIO_ACCOUNT_SID"]
    # Without local.env: no mock, and Twilio's own address.
    assert compose_environ("notifier-worker", dotenv)["TWILIO_API_BASE_URL"] == ""
    assert all("prism" not in str(s.get("depends_on", "")) for s in services.values())


def test_compose_database_is_persistent_healthy_and_initialised() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    assert any(v.startswith("pgdata:") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    init = services["db-init"]
    assert init["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert set(init["environment"]["RELAIS_DATABASES"].split()) == set(SERVICES)
    script = DEPLOY / "postgres" / "create-databases.sh"
    assert script.is_file() and "CREATE DATABASE" in script.read_text()
    for service in SERVICES:
        depends = services[f"migrate-{service}"]["depends_on"]["db-init"]
        assert depends["condition"] == "service_completed_successfully"


# --- commands agree everywhere ---------------------------------------------------


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and ":" in line)


def procfile_workers() -> set[str]:
    modules = set()
    for command in procfile().values():
        match = re.search(r"python -m (services\.\w+\.entrypoints\.worker)\s*$", command)
        if match:
            modules.add(match.group(1))
    return modules


def test_compose_kubernetes_and_procfile_run_the_same_workers() -> None:
    assert set(compose_workers()) == set(k8s_workers())
    assert procfile_workers() <= set(k8s_workers())


@pytest.mark.parametrize("module", sorted({f"services.{s}.entrypoints.worker" for s in SERVICES}))
def test_each_deployed_worker_exists_imports_and_is_in_the_procfile(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} n'existe pas encore : déployé, mais pas encore écrit")
    loaded = importlib.import_module(module)
    assert callable(loaded.main)
    assert module in procfile_workers(), f"{module} manque au Procfile"


def test_procfile_serves_the_same_apps_with_the_same_gunicorn_configuration() -> None:
    for service, port in SERVICES.items():
        command = procfile()[service]
        assert "--config deploy/gunicorn.conf.py" in command
        assert f"'services.{service}.app:create_app()'" in command
        assert f"{service.upper()}_PORT:-{port}" in command


# --- variables --------------------------------------------------------------------


def test_env_example_documents_every_variable_the_code_reads() -> None:
    missing = variables_read_by_the_code() - documented_names(DEPLOY / ".env.example")
    assert not missing, f"absentes de deploy/.env.example : {sorted(missing)}"


def test_env_example_documents_the_readme_production_variables() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Production", 1)[1].split("\n## ", 1)[0]
    listed = {name for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", section)
              if name.startswith(RELAIS_PREFIXES)}
    assert "RELAIS_SERVICE_TOKEN" in listed
    missing = listed - documented_names(DEPLOY / ".env.example")
    assert not missing, f"absentes de deploy/.env.example : {sorted(missing)}"


def test_env_example_holds_no_secret() -> None:
    values = env_file(DEPLOY / ".env.example")
    for name, value in values.items():
        if re.search(r"SECRET|TOKEN|PASSWORD|ENCRYPTION_KEY|SIGNING_KEY", name):
            assert value == "", f"{name} doit rester vide dans l'exemple"


def test_manifests_set_only_variables_the_code_knows() -> None:
    known = known_variables()
    names: set[str] = set()
    for workload in [*k8s("Deployment").values(), *k8s("Job").values()]:
        for container in containers(workload):
            names |= {item["name"] for item in container.get("env", [])}
    for config_map in k8s("ConfigMap").values():
        names |= set(config_map["data"])
    for secret in k8s("Secret").values():
        names |= set(secret["stringData"])
    for name, service in compose()["services"].items():
        if name in ("postgres", "db-init", "mailpit"):
            continue  # the images' own variables
        names |= set(service.get("environment") or {})
    names |= set(env_file(DEPLOY / ".env.example")) | set(env_file(DEPLOY / "local.env"))
    unknown = names - known
    assert not unknown, f"variables inconnues du code (faute de frappe ?) : {sorted(unknown)}"


# --- image and gunicorn --------------------------------------------------------------


def test_dockerfile_is_slim_non_root_constrained_and_checked() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "python:3.11-slim" in text
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.MULTILINE)
    assert "-c constraints.txt" in text
    assert ".[dev]" not in text and "[dev]" not in text
    assert re.search(r"^HEALTHCHECK ", text, re.MULTILINE)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "!services/" in ignore and "!shared/" in ignore


def test_healthcheck_passes_without_url_and_fails_on_a_closed_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check = runpy.run_path(str(DEPLOY / "healthcheck.py"))
    monkeypatch.delenv("HEALTHCHECK_URL", raising=False)
    assert check["main"]() == 0
    monkeypatch.setenv("HEALTHCHECK_URL", "http://127.0.0.1:9/healthz")
    assert check["main"]() == 1


def gunicorn_config(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    for name in gunicorn_variables():
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_reads_its_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = gunicorn_config(monkeypatch)
    assert defaults["workers"] == 2 and defaults["timeout"] == 30
    assert defaults["forwarded_allow_ips"] == "127.0.0.1"
    tuned = gunicorn_config(monkeypatch, GUNICORN_WORKERS="5", GUNICORN_TIMEOUT="12",
                            FORWARDED_ALLOW_IPS="*", GUNICORN_GRACEFUL_TIMEOUT="7")
    assert (tuned["workers"], tuned["timeout"], tuned["graceful_timeout"]) == (5, 12, 7)
    assert tuned["forwarded_allow_ips"] == "*"
    assert tuned["graceful_timeout"] < 40  # the pods' terminationGracePeriodSeconds


@pytest.mark.parametrize(("raw", "logged"), [
    ("/e/eyJjYXNlIjoxfQ.ZmFrZQ.c2lnbmF0dXJl?utm=1", "/e/[jeton]"),
    ("/l/abc", "/l/[jeton]"),
    ("/feeds/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA.ics", "/feeds/[jeton].ics"),
    ("/i/abc.def.ics?x=y", "/i/[jeton].ics"),
    ("/api/v1/notifications/0b7c4c1e-3f1a-4c2e-9d55-7a0e2b9f1c11", (
        "/api/v1/notifications/0b7c4c1e-3f1a-4c2e-9d55-7a0e2b9f1c11")),
    ("/api/v1/evaluate?token=secret", "/api/v1/evaluate"),
    ("/x/" + "A" * 48, "/x/[jeton]"),
    ("/healthz", "/healthz"),
])
def test_access_log_leaves_tokens_and_query_strings_out(
    monkeypatch: pytest.MonkeyPatch, raw: str, logged: str
) -> None:
    config = gunicorn_config(monkeypatch)
    assert config["redact_path"](raw) == logged


def test_access_log_line_carries_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    config = gunicorn_config(monkeypatch)
    logger = config["logger_class"](Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/e/secret-token?x=1",
               "PATH_INFO": "/e/secret-token", "QUERY_STRING": "x=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "https://example.fr/e/secret-token"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "https://example.fr/e/secret-token")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    line = config["access_log_format"] % atoms
    assert "secret-token" not in line and "x=1" not in line
    assert "secret-token" not in " ".join(str(v) for v in atoms.values())
