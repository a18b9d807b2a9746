"""Create a project from a template: pick one from the search path (broken ones are
listed with their errors), name it, answer its variables, plan the window."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from updeck.models.project import Window, instantiate
from updeck.models.template import MissingVariableError, Template
from updeck.storage.groups import group_members
from updeck.storage.templates import LoadedTemplate, TemplateEntry
from updeck.tui.common.site_time import site_zone
from updeck.tui.common.values import parse_end, parse_moment
from updeck.tui.dashboard.format import plain
from updeck.tui.dashboard.host import dashboard
from updeck.tui.dashboard.messages import ProjectCreated, StorageTrouble, TemplateLoaded, TemplatesFound
from updeck.tui.dashboard.screens._dialog import Dialog


class NewProjectScreen(Dialog[str]):
    BINDINGS = [*Dialog.BINDINGS,
                Binding("ctrl+s", "create", "Create", id="new.create")]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[TemplateEntry] = []
        self.loaded: LoadedTemplate | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static("New project from a template", classes="dialog-title")
            yield OptionList(Option("looking for templates…", disabled=True), id="templates")
            yield Static("", id="template-info", markup=False)
            with VerticalScroll(id="form"):
                yield Label("Project name")
                yield Input(placeholder="e.g. CRM upgrade December", id="name")
                yield Vertical(id="variables")
                yield Label("Window start (optional): 2026-12-05 22:00 (UTC), now or +2h")
                yield Input(placeholder="YYYY-MM-DD HH:MM", id="start")
                yield Label("Window end (optional): a time or a length such as 6h; "
                            "default: the template's duration")
                yield Input(placeholder="YYYY-MM-DD HH:MM or 6h", id="end")
            yield Static("", id="error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create (ctrl+s)", id="create", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        from updeck.storage.templates import discover

        self.query_one("#templates", OptionList).focus()
        form = self.query_one("#form")
        form.display = False
        form.can_focus = False  # shift+tab goes from the name straight back to the list
        dashboard(self).background(lambda: TemplatesFound(discover()), group="templates",
                                   name="template search", target=self)

    def on_templates_found(self, message: TemplatesFound) -> None:
        self.entries = message.entries
        options = self.query_one("#templates", OptionList)
        options.clear_options()
        if not self.entries:
            options.add_option(Option("no templates on the search path (see `updeck locate`)",
                                      disabled=True))
            return
        for index, entry in enumerate(self.entries):
            label = Text(no_wrap=True, overflow="ellipsis")
            if entry.errors:
                label.append("✘ BROKEN ", style="bold red")
            elif entry.shadowed:
                label.append("· shadowed ", style="dim")
            else:
                label.append("✔ ", style="green")
            label.append(f"{plain(entry.id)} {plain(entry.version)}", style="bold")
            label.append(f"  {plain(entry.name)}  ")
            label.append(str(entry.path), style="dim")
            if entry.errors:
                for error in entry.errors[:3]:
                    label.append("\n    " + plain(str(error)), style="red")
                if len(entry.errors) > 3:
                    label.append(f"\n    … {len(entry.errors) - 3} more errors", style="red")
            options.add_option(Option(label, id=str(index), disabled=bool(entry.errors)))
        first_ok = next((i for i, e in enumerate(self.entries) if not e.errors), None)
        if first_ok is not None:
            options.highlighted = first_ok

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        entry = self.entries[int(event.option.id)]
        path = entry.path
        if self.loaded is not None and getattr(self.loaded, "path", None) == path:
            self.query_one("#name", Input).focus()  # the same template: keep what was typed
            return

        def load() -> TemplateLoaded:
            from updeck.storage.templates import TemplateErrors, TemplateNotFound, find_template

            try:
                return TemplateLoaded(find_template(path))
            except (TemplateErrors, TemplateNotFound) as exc:
                return TemplateLoaded(None, str(exc))

        dashboard(self).background(load, group="templates", name="template load", target=self)

    def on_template_loaded(self, message: TemplateLoaded) -> None:
        if message.loaded is None:
            self.query_one("#error", Static).update(message.error)
            return
        self.loaded = message.loaded
        template: Template = message.loaded.template
        info = Text()
        info.append(f"{plain(template.name)} ({plain(template.id)} {plain(template.version)})",
                    style="bold")
        count = sum(1 for _ in template.items())
        info.append(f"  {count} items")
        if template.window_duration:
            from updeck.tui.dashboard.format import dur

            info.append(f", window {dur(template.window_duration)}")
        self.query_one("#template-info", Static).update(info)
        box = self.query_one("#variables", Vertical)
        typed = {i.id: i.value for i in box.query(Input) if i.id}  # kept across templates
        box.remove_children()
        widgets: list[Widget] = []
        for var in template.variables:
            prompt = var.prompt or var.name
            flag = " (required)" if var.required and var.default is None else ""
            widgets.append(Label(f"{plain(prompt)}{flag}  [{var.name}]", markup=False))
            widgets.append(Input(value=typed.get(f"var-{var.name}", var.default or ""),
                                 placeholder=var.name, id=f"var-{var.name}"))
        if widgets:
            box.mount_all(widgets)
        self.query_one("#form").display = True
        self.add_class("-chosen")  # the list gets small: keep the chosen template in view
        self._keep_choice_in_view()
        self.query_one("#name", Input).focus()
        self.query_one("#error", Static).update("")

    def on_resize(self) -> None:
        self._keep_choice_in_view()

    def _keep_choice_in_view(self) -> None:
        """After the form appears (and the list shrinks) scroll the chosen one into view:
        twice after refresh, once the new layout has given the list its height."""
        options = self.query_one("#templates", OptionList)

        def scroll() -> None:
            options.scroll_to_highlight(top=True)

        self.call_after_refresh(lambda: self.call_after_refresh(scroll))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.dismiss(None)

    def action_create(self) -> None:
        error = self.query_one("#error", Static)
        if self.busy:
            return
        if self.loaded is None:
            error.update("choose a template first (enter on a template)")
            return
        name = self.query_one("#name", Input).value.strip()
        if not name:
            error.update("the project needs a name")
            self.query_one("#name", Input).focus()
            return
        template: Template = self.loaded.template
        values = {}
        for var in template.variables:
            value = self.query_one(f"#var-{var.name}", Input).value.strip()
            if value:
                values[var.name] = value
        try:
            # The same words as `updeck new --window` and the W dialog: a date and time
            # (UTC unless an offset is given), now, +2h; the end may be a length (6h).
            now = dashboard(self).now()
            start_text = self.query_one("#start", Input).value.strip()
            end_text = self.query_one("#end", Input).value.strip()
            if end_text and not start_text:
                raise ValueError("give the window a start too")
            zone = site_zone(template.timezone)  # the template's site zone; UTC when none
            start = parse_moment(start_text, now, zone=zone) if start_text else None
            end = (parse_end(end_text, start, now, zone=zone)
                   if start is not None and end_text else None)
            project = instantiate(template, name, values, Window(start, end),
                                  sources_sha256=self.loaded.sha256, expand_group=group_members)
        except (ValueError, MissingVariableError) as exc:
            error.update(str(exc))
            return
        app = dashboard(self)
        repo, operator = app.repo, app.operator
        self.busy = True
        error.update("creating…")
        app.background(lambda: ProjectCreated(repo.create_project(project, by=operator).id),
                       group="write", name="create project", target=self)

    def on_storage_trouble(self, message: StorageTrouble) -> None:
        self.busy = False
        self.query_one("#error", Static).update(f"not created: {message.text}")

    def on_project_created(self, message: ProjectCreated) -> None:
        self.dismiss(message.project_id)
