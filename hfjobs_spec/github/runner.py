"""One run of the action: validate, plan, apply or drift, then outputs, summary, comment or issue.

Outputs: `exit-code` (the CLI's: 0 nothing to do, 2 changes or drift, 1 error), `has-changes`,
`plan-json` (a path) and `summary` (one line). The step itself fails only on errors (exit 1), so a
workflow decides with `exit-code` what changes or drift mean to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hfjobs_spec.github.context import ActionError, GithubContext, Inputs, read_context, read_inputs
from hfjobs_spec.github.gh import Gh, GhError
from hfjobs_spec.github.workflow import Workflow, fit_bytes
from hfjobs_spec.masking import TOKEN_VARIABLES, SecretMask
from hfjobs_spec.output.drift import drift_marker, drift_summary, render_drift_markdown
from hfjobs_spec.output.markdown import RunContext, fence
from hfjobs_spec.output.plan_markdown import (
    render_plan_error_markdown,
    render_plan_markdown,
    render_plan_skipped_markdown,
)
from hfjobs_spec.output.plan_text import summary_line
from hfjobs_spec.reconcile.drift import DriftReport
from hfjobs_spec.reconcile.plan import Plan

# The text form of a plan or an apply report goes in the summary after the Markdown, within 1 MiB.
TEXT_BUDGET_BYTES = 900_000


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str


class Runner:
    def __init__(self, inputs: Inputs, context: GithubContext, environ: Mapping[str, str], workflow: Workflow) -> None:
        self.inputs, self.context, self.workflow = inputs, context, workflow
        self.environ = dict(environ)
        if inputs.hf_token:
            self.environ["HF_TOKEN"] = inputs.hf_token
        self.run_context = RunContext(context.commit, context.run_url)
        self.plan_json = context.temp_dir / "hfjobs-plan.json"

    # Running the CLI

    def cli(self, *args: str) -> Done:
        command = [sys.executable, "-m", "hfjobs_spec"]
        if self.inputs.environment:
            command += ["-E", self.inputs.environment]
        done = subprocess.run([*command, *args], cwd=self.inputs.working_directory, env=self.environ,
                              capture_output=True, text=True)
        # The CLI masks its own output; the mask here also holds what the action was given.
        return Done(done.returncode, self.workflow.mask.mask(done.stdout), self.workflow.mask.mask(done.stderr))

    def project_id(self) -> str:
        """The project's id for markers, read without the CLI so it is known even when plan fails.

        The project file comes from a pull request, so it is parsed by the manifest layer's hardened
        YAML reader (sizes, aliases, depth); only its `project` key is read, so that an otherwise
        invalid file still keeps the same marker.
        """
        from hfjobs_spec.manifest.yaml_source import YamlError, parse_documents, read_text

        directory = self.inputs.working_directory.resolve()
        for folder in (directory, *directory.parents):
            path = folder / "hfjobs.yaml"
            if path.is_file():
                try:
                    first = next(iter(parse_documents(read_text(str(path), path.name), path.name)), None)
                except (YamlError, OSError, ValueError):
                    break
                data = first.data if first is not None else None
                if isinstance(data, dict) and isinstance(data.get("project"), str):
                    return str(data["project"])
                break
        return directory.name

    # Commands

    def run(self) -> int:
        if self.inputs.command in ("apply", "drift") and not self.inputs.hf_token:
            raise ActionError(f"{self.inputs.command} needs a Hugging Face token: "
                              "pass hf-token: ${{ secrets.HF_TOKEN }}")
        return {"validate": self.validate, "plan": self.plan, "apply": self.apply, "drift": self.drift}[
            self.inputs.command]()

    def validate(self, *, alone: bool = True) -> int:
        done = self.cli("validate", "--format", "github")
        self.workflow.log(done.stdout + done.stderr)  # `::error file=...` lines become annotations
        ok = done.code == 0
        line = "Manifests are valid." if ok else "Manifests are invalid: see the annotations."
        if not ok:
            report = self.cli("validate")
            self.workflow.summary(f"### hfjobs-spec validate\n\n❌ {line}\n\n{fence(report.stdout + report.stderr)}")
        if alone or not ok:
            self.outputs(done.code, None, line)
        return 0 if ok else 1

    def plan(self) -> int:
        project, environment = self.project_id(), self.inputs.environment
        if self.validate(alone=False) != 0:
            errors = self.cli("validate")
            self.post_comment(render_plan_error_markdown(project, environment, errors.stdout + errors.stderr,
                                                         context=self.run_context))
            return 1
        if not self.inputs.hf_token:
            reason = ("pull requests from forks get no secrets, so there is no HF_TOKEN to read the Hub with"
                      if self.context.pull_request and self.context.pull_request.from_fork
                      else "no HF_TOKEN: set the repository secret HF_TOKEN and pass it as the action's hf-token")
            self.workflow.warning(f"Plan skipped: {reason}.")
            markdown = render_plan_skipped_markdown(project, environment, reason, context=self.run_context)
            self.workflow.summary(markdown)
            self.post_comment(markdown)
            self.outputs(0, None, f"Plan skipped: {reason}.")
            return 0
        planned = self.planned()
        if planned is None:
            return 1
        plan, text = planned
        markdown = render_plan_markdown(plan, context=self.run_context)
        self.workflow.summary(markdown + self.text_details("The plan in full (text)", text, len(markdown)))
        self.post_comment(markdown)
        self.outputs(2 if plan.has_changes else 0, plan, summary_line(plan))
        return 0

    def planned(self) -> tuple[Plan, str] | None:
        """Plan into `plan_json`; on failure, report it everywhere (comment included) and return None."""
        done = self.cli("plan", "--out", str(self.plan_json), *self.inputs.extra_args)
        self.workflow.log(done.stdout + done.stderr)
        if done.code != 0:
            error = done.stderr or done.stdout
            self.workflow.error(f"plan failed: {error.strip().splitlines()[-1] if error.strip() else done.code}")
            markdown = render_plan_error_markdown(self.project_id(), self.inputs.environment, error,
                                                  context=self.run_context)
            self.workflow.summary(markdown)
            self.post_comment(markdown)
            self.outputs(1, None, "Plan failed.")
            return None
        plan = Plan.from_dict(json.loads(self.plan_json.read_text(encoding="utf-8")))
        # Variables the jobs read as secrets: mask them for the rest of the workflow's steps too.
        for read in plan.reads:
            self.workflow.add_mask(self.environ.get(read.variable.lstrip("$").strip("{}")))
        self.workflow.export("HFJOBS_PLAN_JSON", str(self.plan_json))
        return plan, done.stdout

    def apply(self) -> int:
        planned = self.planned()
        if planned is None:
            return 1
        plan, _ = planned
        done = self.cli("apply", "--auto-approve", *self.inputs.extra_args)
        self.workflow.log(done.stdout + done.stderr)
        markdown = render_plan_markdown(plan, context=self.run_context)
        verdict = "✅ Applied." if done.code == 0 else f"❌ Apply failed (exit {done.code})."
        report = done.stdout + done.stderr
        self.workflow.summary(f"{markdown}\n**{verdict}**\n" + self.text_details("Apply output", report,
                                                                                 len(markdown)))
        line = f"{verdict} {summary_line(plan)}" if done.code == 0 else f"{verdict} See the log."
        self.outputs(done.code if done.code != 0 else (2 if plan.has_changes else 0), plan, line)
        return 0 if done.code == 0 else 1

    def drift(self) -> int:
        report_path = self.context.temp_dir / "hfjobs-drift.json"
        done = self.cli("drift", "--out", str(report_path), *self.inputs.extra_args)
        self.workflow.log(done.stdout + done.stderr)
        if done.code not in (0, 2):
            self.workflow.error("drift check failed; the drift issue is left as it is")
            self.workflow.summary(f"### hfjobs-spec drift\n\n❌ **The drift check failed.**\n\n"
                                  f"{fence(done.stderr or done.stdout)}")
            self.outputs(1, None, "Drift check failed.")
            return 1
        report = DriftReport.from_dict(json.loads(report_path.read_text(encoding="utf-8")))
        markdown = render_drift_markdown(report, context=self.run_context)
        self.workflow.summary(markdown)
        self.outputs(done.code, None, drift_summary(report), has_changes=report.has_drift)
        self.workflow.set_output("plan-json", str(report_path))
        self.sync_issue(report, markdown)
        return 0

    # GitHub

    def gh(self) -> Gh:
        return Gh(self.context.repository, self.environ, self.context.temp_dir)

    def post_comment(self, markdown: str) -> None:
        pull = self.context.pull_request
        if pull is None or not self.inputs.comment:
            return
        try:
            outcome, comment_id = self.gh().upsert_comment(pull.number, markdown.splitlines()[0],
                                                           self.workflow.mask.mask(markdown))
        except GhError as exc:
            hint = (" (a pull request from a fork gets a read-only token: the summary has the plan)"
                    if pull.from_fork else " (does the workflow grant `pull-requests: write`?)")
            self.workflow.warning(f"could not comment on pull request #{pull.number}{hint}: {exc}")
            return
        self.workflow.log(f"Plan comment {outcome} on pull request #{pull.number} (comment {comment_id}).")

    def sync_issue(self, report: DriftReport, markdown: str) -> None:
        marker = drift_marker(report.project, report.environment)
        title = f"hfjobs-spec: the Hub has drifted from git ({report.project}/{report.environment or 'default'})"
        try:
            gh = self.gh()
            if report.has_drift:
                outcome, number = gh.open_or_update_issue(marker, title, self.workflow.mask.mask(markdown))
                self.workflow.log(f"Drift issue #{number} {outcome}.")
                return
            existing = gh.find_open_issue(marker)
            if existing is not None:
                commit = f" at commit `{self.context.commit[:12]}`" if self.context.commit else ""
                run = f" ([workflow run]({self.context.run_url}))" if self.context.run_url else ""
                gh.close_issue(existing.number, f"✅ The Hub matches git again{commit}{run}. Closing.")
                self.workflow.log(f"Drift issue #{existing.number} closed: no drift any more.")
        except GhError as exc:
            self.workflow.warning(f"could not update the drift issue (does the workflow grant `issues: write`?): "
                                  f"{exc}")

    def outputs(self, code: int, plan: Plan | None, line: str, *, has_changes: bool | None = None) -> None:
        changed = has_changes if has_changes is not None else (plan.has_changes if plan is not None else None)
        self.workflow.set_output("exit-code", str(code))
        self.workflow.set_output("has-changes", "" if changed is None else str(changed).lower())
        self.workflow.set_output("plan-json", str(self.plan_json) if plan is not None else "")
        self.workflow.set_output("summary", line.replace("\n", " "))

    def text_details(self, title: str, text: str, used: int) -> str:
        kept = fit_bytes(text, TEXT_BUDGET_BYTES - used)
        left = len(text.encode("utf-8")) - len(kept.encode("utf-8"))
        note = f"\n{left:,} bytes of it left out (GitHub keeps 1 MiB of summary per step).\n" if left else ""
        return f"\n<details><summary>{title}</summary>\n\n{fence(kept)}{note}\n</details>\n"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    mask = SecretMask()
    context = read_context(env)
    workflow = Workflow(mask, output_file=context.output_file, summary_file=context.summary_file,
                        env_file=context.env_file)
    # Before anything else is printed: the token the action was given, and any the environment holds.
    for value in (env.get("HFJOBS_HF_TOKEN"), *(env.get(name) for name in TOKEN_VARIABLES)):
        workflow.add_mask(value)
    try:
        inputs = read_inputs(env, context.workspace)
        return Runner(inputs, context, env, workflow).run()
    except ActionError as exc:
        workflow.error(str(exc))
        return 1
