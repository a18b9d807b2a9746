"""How runbook prose reads: plain inline text, titles, ids, estimates, checks, verbs, phases."""

from __future__ import annotations

import re

from updeck.models.durations import format_duration
from updeck.storage.markdown_rules import is_not_an_estimate

TITLE_LIMIT = 100
ID_LIMIT = 48

MENTION = re.compile(r"(?<![\w.@/])@([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_]+?)_(?![\w_])")
_INLINE_CODE = re.compile(r"`([^`]+)`")

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT_WORDS = (r"(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_WORDS = re.compile(_NUM + r"(?:\s*(?:-|–|to)\s*" + _NUM + r")?\s*" + _UNIT_WORDS + r"\b", re.I)
_DURATION_COMPACT = re.compile(r"(?<![\w.])((?:\d+(?:\.\d+)?[smhdw])+)(?![\w.])")
_DURATION_PAREN_AFTER = re.compile(_NUM + r"\s*\(\s*" + _UNIT_WORDS + r"\s*\)", re.I)
_DURATION_PAREN_BEFORE = re.compile(r"\(\s*" + _UNIT_WORDS + r"\s*\)\s*[:=|-]?\s*" + _NUM, re.I)

_PHASE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rollback", re.compile(r"\broll(?:ing|ed)?[- ]?backs?\b|\bback[- ]?out\b|\brevert", re.I)),
    ("assess", re.compile(r"\bpre[- ]?(?:checks?|requisites?|upgrade|flight)\b|\bprerequisites?\b|"
                          r"\bprepar(?:e|ation|ing)\b|\breadiness\b|\bassess(?:ment)?\b|\binventory\b",
                          re.I)),
    ("monitor", re.compile(r"\bpost\b|\bverif(?:y|ication)\b|\bvalidat(?:e|ion)\b|\bmonitor(?:ing)?\b|"
                           r"\btracking\b|\bafter the upgrade\b", re.I)),
    ("test", re.compile(r"\btests?\b|\btesting\b|\brehears(?:e|al)\b|\bdry[- ]run\b", re.I)),
    ("communicate", re.compile(r"\bcommunicat(?:e|ion|ions)\b|\bannounce(?:ment)?s?\b|"
                               r"\bnotif(?:y|ication)s?\b|\btraining\b", re.I)),
    ("requirements", re.compile(r"\brequirements?\b", re.I)),
)

_VERBS = frozenset("""
add adjust allow apply approve archive ask assign backup build bump call cancel capture change
check clean cleanup clear close collect commit configure confirm connect copy create cut decommission
define delete deploy destroy determine disable download drain drop edit email enable ensure
escalate execute export fail failover fetch fill find fix flush follow freeze gather get grant
identify increase inform initialize initiate install invite kick launch list load lock login
make mark merge migrate modify monitor mount move navigate notify obtain open page pause perform
ping prepare print promote provision publish pull push put reboot rebuild
record redirect reduce refresh register reindex reload remove rename repeat replace request
reset resize restart restore resume retire review revoke roll rotate run save scale
schedule send set setup share shut shutdown snapshot specify start stop submit suspend switch
sync tag take tell terminate test tidy trigger turn unlock unmount unpause update upgrade upload use
validate verify vacuum wait warm watch write
""".split())  # noqa: SIM905
CHECK_WORDS = re.compile(r"^(?:check|verify|confirm|ensure|make sure|validate|test|assert|look|"
                          r"see|watch|monitor)\b", re.I)
_CHECK_COMMAND = re.compile(
    r"^(?:sudo\s+)?(?:"
    r"kubectl\s+(?:get|describe|version|top|logs|rollout\s+status|cluster-info)|"
    r"gcloud\b.*\b(?:list|describe|get-server-config)\b|"
    r"(?:gitlab-)?psql\b.*\b(?:select|\\d|show)\b|select\b|show\b|"
    r"systemctl\s+(?:status|is-active|is-enabled)|curl\b|wget\s+--spider|ping\b|dig\b|nslookup\b|"
    r"pg_isready\b|.*patronictl\s+list|.*\s--check\b|.*\s(?:status|health|version|--version)(?:\s|$)|grep\b|"
    r"test\s|\[\s|ls\b|cat\b|df\b|free\b|uptime\b|ss\b|netstat\b|openssl\s+s_client|"
    r"dpkg\s+-l|rpm\s+-q|helm\s+(?:list|status)|docker\s+ps|aws\b.*\bdescribe|terraform\s+plan"
    r")", re.I)


def inline_text(text: str) -> str:
    """Markdown inline markup removed from emphasis and links; code spans kept."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def _first_word(text: str) -> str:
    plain = inline_text(text)
    plain = re.sub(r"^[`'\"(\[]+", "", plain)
    match = re.match(r"[A-Za-z][A-Za-z-]*", plain)
    return match.group(0).lower() if match else ""


def is_imperative(text: str) -> bool:
    return _first_word(text) in _VERBS


def make_title(text: str) -> tuple[str, bool]:
    """A one-line title and whether text was cut off."""
    plain = inline_text(text)
    plain = MENTION.sub(lambda m: m.group(0), plain)
    if len(plain) <= TITLE_LIMIT:
        return plain or "Step", False
    window = plain[: TITLE_LIMIT + 1]
    cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind(": "))
    if cut >= 30:
        return plain[: cut + 1].rstrip(":").strip(), True
    space = window.rfind(" ")
    return (plain[: space if space > 30 else TITLE_LIMIT].rstrip(" ,;:-") + "…"), True


def make_slug(text: str) -> str:
    plain = _INLINE_CODE.sub(lambda m: m.group(1), inline_text(text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if len(slug) > ID_LIMIT:
        slug = slug[:ID_LIMIT]
        if "-" in slug[20:]:
            slug = slug[: slug.rfind("-")]
        slug = slug.strip("-")
    return slug or "step"


def find_estimate(text: str) -> str | None:
    """The first duration mentioned in prose, as a template duration (``40m``)."""
    best: tuple[int, int] | None = None  # (position, seconds)
    for pattern in (_DURATION_WORDS, _DURATION_PAREN_AFTER):
        for match in pattern.finditer(text):
            if is_not_an_estimate(text[:match.start()]):
                continue  # "after 30 days", "every 7 days": when, not how long
            groups = [g for g in match.groups() if g]
            unit = groups[-1].lower()
            numbers = [float(g) for g in groups[:-1]]
            seconds = int(max(numbers) * _UNIT_SECONDS[unit[0]])
            if best is None or match.start() < best[0]:
                best = (match.start(), seconds)
            break
    before = _DURATION_PAREN_BEFORE.search(text)
    if before and (best is None or before.start() < best[0]):
        best = (before.start(), int(float(before.group(2)) * _UNIT_SECONDS[before.group(1)[0].lower()]))
    compact = next((m for m in _DURATION_COMPACT.finditer(text)
                    if not is_not_an_estimate(text[:m.start()])), None)
    if compact and (best is None or compact.start() < best[0]):
        total = 0.0
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)([smhdw])", compact.group(1)):
            total += float(number) * _UNIT_SECONDS[unit]
        best = (compact.start(), int(total))
    if best is None or best[1] <= 0:
        return None
    return format_duration(best[1])


def phase_of(heading: str) -> str | None:
    for phase, pattern in _PHASE_RULES:
        if pattern.search(heading):
            return phase
    return None


def looks_like_check(code: str) -> bool:
    commands = [c.strip() for c in code.splitlines()
                if c.strip() and not c.strip().startswith(("#", "--", "//"))]
    return bool(commands) and all(_CHECK_COMMAND.match(c) for c in commands)
