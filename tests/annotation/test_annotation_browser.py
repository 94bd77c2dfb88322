"""A curator's view: the lead invites a curator to their desk, headless Chromium logs in as them, labels a
pushed task, and pull credits the label to that desk."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from annotation.artifacts import LABELS
from annotation.client import connect
from annotation.pull import pull
from annotation.push import push
from hw_cli.app import app

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

CURATOR = ("curator.one@example.org", "curator-password-1")


@pytest.mark.slow
def test_curator_labels_a_task_in_the_browser_and_pull_has_it(study, label_studio, chromium, artifacts_dir, tmp_path):
    report = push(study)[0]
    task = next(iter(connect(study, "A01").tasks(report.project_id)))
    password = tmp_path / "password.txt"
    password.write_text(CURATOR[1])
    command = ["labelstudio", "invite", "A01", "--email", CURATOR[0], "--password-file", str(password)]
    invited = CliRunner().invoke(app, [*command, "--study", str(study.root)])
    url = label_studio.url("A01")
    assert invited.exit_code == 0 and url in invited.output, invited.output

    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", CURATOR[0])
    page.fill("input[name=password]", CURATOR[1])
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_url(lambda address: "/user/login" not in address)

    page.goto(f"{url}/projects/{report.project_id}/data?task={task['id']}")
    page.get_by_text(task["data"]["name_a"], exact=True).first.wait_for()
    page.get_by_text(task["data"]["name_b"], exact=True).first.wait_for()
    page.wait_for_function(
        "() => { const images = [...document.querySelectorAll('img')].filter(i => i.src.includes('local-files'));"
        " return images.length >= 1 && images.every(i => i.complete && i.naturalWidth > 0); }"
    )
    page.get_by_text("similar object").first.click()  # the choice's text (followed by its hotkey)
    page.locator(".ant-radio-wrapper-checked", has_text="similar object").wait_for()
    page.locator("textarea").first.fill("a curator's note")
    page.get_by_role("button", name="Add").click()
    page.screenshot(path=str(artifacts_dir / "labelstudio-task.png"), full_page=True)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_function(
        f"async () => (await (await fetch('/api/tasks/{task['id']}/')).json()).total_annotations === 1"
    )

    assert pull(study).quarantined == 0  # written by A01's own curator account
    labels = LABELS.read(study)
    row = labels[labels["pair_id"] == task["data"]["pair_id"]].iloc[0]
    assert (row["label"], row["status"], row["comment"], bool(row["is_latest"])) == (
        "similar object",
        "labelled",
        "a curator's note",
        True,
    )
    assert row["lead_time"] > 0
