"""The GitHub Action's runner: what `action.yml` calls (`python -m hfjobs_spec.github`).

It reads the action's inputs and the `GITHUB_*` environment, runs the CLI as a subprocess (so exit
codes, masking and errors are exactly a user's), and talks to GitHub: workflow commands (masks,
annotations), step outputs, the job summary, and through `gh api` the one plan comment per pull
request and the one drift issue. It sits above `cli` and only talks to the core through it,
apart from reading back the plan and drift JSON files the CLI wrote, to render them with run details.
"""
