"""A curator's view: headless Chromium joins through the invite link, labels a pushed task, and pull has it."""

from __future__ import annotations

import pytest

from annotation.client import connect
from annotation.pull import pull
from annotation.push import push, server_tasks
from heritage_weaver.artifacts import LABELS

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

CURATOR = ("curator.one@example.org", "curator-password-1")


@pytest.mark.slow
def test_curator_labels_a_task_in_the_browser_and_pull_has_it(study, label_studio, chromium, artifacts_dir):
    connection = connect(study)
    report = push(study, connection)[0]
    task = next(iter(server_tasks(connection, report.project_id)))
    invite = connection.get_json("invite link", "/api/invite")

    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{label_studio.url}/user/signup/?token={invite['token']}")
    page.fill("input[name=email]", CURATOR[0])
    page.fill("input[name=password]", CURATOR[1])
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/user/signup" not in url)

    page.goto(f"{label_studio.url}/projects/{report.project_id}/data?task={task['id']}")
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

    pull(study, connection)
    labels = LABELS.read(study)
    row = labels[labels["pair_id"] == task["data"]["pair_id"]].iloc[0]
    assert (row["label"], row["status"], row["comment"], bool(row["is_latest"])) == (
        "similar object",
        "labelled",
        "a curator's note",
        True,
    )
    assert row["lead_time"] > 0
