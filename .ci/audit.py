"""Dependency audit: pip-audit on every pinned version of constraints.txt.

Exit 1 when a pinned package has a known vulnerability that is not listed in
``IGNORED`` (with its reason). When the vulnerability service cannot be
reached, or can audit none of the packages, nothing has been checked: the
audit says so loudly and exits 0, unless ``RELAIS_REQUIRE_AUDIT=1`` (set it
where the service is reachable, so that an outage fails instead of passing
silently). Packages the service does not know are listed as not audited.

Run by ``make audit`` (and ``.ci/run``); the vulnerability service is PyPI's
JSON API (``RELAIS_AUDIT_SERVICE=osv`` for OSV).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "constraints.txt"

#: Advisories knowingly ignored, each with why it does not apply. Keep it short.
IGNORED: dict[str, str] = {}


def not_audited(reason: str) -> int:
    print(f"AUDIT NOT PERFORMED: {reason}", file=sys.stderr)
    if os.environ.get("RELAIS_REQUIRE_AUDIT") == "1":
        print("RELAIS_REQUIRE_AUDIT=1: failing.", file=sys.stderr)
        return 1
    print("Set RELAIS_REQUIRE_AUDIT=1 to make this a failure.", file=sys.stderr)
    return 0


def main() -> int:
    service = os.environ.get("RELAIS_AUDIT_SERVICE", "pypi")
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit", "--progress-spinner", "off",
            "--requirement", str(REQUIREMENTS), "--no-deps", "--disable-pip",
            "--vulnerability-service", service, "--timeout", "30",
            "--format", "json", "--output", str(report_path),
        ]
        for advisory in IGNORED:
            command += ["--ignore-vuln", advisory]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        try:
            report = json.loads(report_path.read_text())
        except (OSError, ValueError):
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            return not_audited(f"pip-audit could not reach the {service} service ({last})")
    dependencies = report.get("dependencies", [])
    vulnerable = [(dep, vuln) for dep in dependencies for vuln in dep.get("vulns", [])]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    for dep, vuln in vulnerable:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
        print(f"VULNERABLE {dep['name']}=={dep.get('version')}: {vuln['id']} "
              f"(fixed in {fixes}) {' '.join(vuln.get('aliases', []))}")
    if vulnerable:
        print(f"{len(vulnerable)} known vulnerabilities: raise the pins in constraints.txt and "
              "pyproject.toml, or list the advisory in .ci/audit.py IGNORED with its reason.",
              file=sys.stderr)
        return 1
    audited = len(dependencies) - len(skipped)
    if dependencies and audited == 0:
        return not_audited(f"the {service} service audited none of the {len(dependencies)} "
                           f"pinned packages ({skipped[0]['skip_reason']})")
    for dep in skipped:
        print(f"not audited: {dep['name']}: {dep['skip_reason']}", file=sys.stderr)
    ignored = f", {len(IGNORED)} advisories ignored" if IGNORED else ""
    print(f"pip-audit: {audited} pinned packages, no known vulnerability{ignored}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
