"""Final Draft FDX: read (through defusedxml, so entity bombs and external entities are refused)
and write.

Read: the <Content> paragraphs by Type (Scene Heading, Action, Character, Parenthetical,
Dialogue, Transition, Shot, General, Lyrics), <DualDialogue> groups, Number= scene numbers,
Alignment="Center" action as centered text, and the <TitlePage>. Line numbers are those of the
XML, so a scene's source text is its stretch of the file.
"""

from __future__ import annotations

import re
import xml.sax
import xml.sax.handler
import xml.sax.xmlreader
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import defusedxml
import defusedxml.sax

from milimo.errors import Invalid

from .model import ParsedScene, ParsedShot, Storyboard


@dataclass
class _Para:
    type: str
    line_start: int
    number: str = ""
    alignment: str = ""
    dual: int = 0  # 0: not dual; 1, 2, ...: which dual-dialogue group it is in
    text: list[str] = field(default_factory=list)
    line_end: int = 0
    title_page: bool = False


class _Handler(xml.sax.handler.ContentHandler):
    _locator: xml.sax.xmlreader.Locator | None  # set by ContentHandler; typeshed does not declare it

    def __init__(self) -> None:
        super().__init__()
        self.paras: list[_Para] = []
        self.stack: list[_Para] = []
        self.in_text = 0
        self.in_title = 0
        self.dual = 0
        self.duals = 0
        self.root = ""

    def _line(self) -> int:
        return (self._locator.getLineNumber() or 0) if self._locator else 0

    def startElement(self, name, attrs):
        if not self.root:
            self.root = name
        if name == "TitlePage":
            self.in_title += 1
        elif name == "DualDialogue":
            self.duals += 1
            self.dual = self.duals
        elif name == "Paragraph":
            p = _Para(
                type=attrs.get("Type", ""),
                line_start=self._line(),
                number=attrs.get("Number", ""),
                alignment=attrs.get("Alignment", ""),
                dual=self.dual,
                title_page=self.in_title > 0,
            )
            self.stack.append(p)
        elif name == "Text":
            self.in_text += 1

    def endElement(self, name):
        if name == "TitlePage":
            self.in_title -= 1
        elif name == "DualDialogue":
            self.dual = 0
        elif name == "Paragraph" and self.stack:
            p = self.stack.pop()
            p.line_end = self._line()
            if p.type or p.text:  # the wrapper of a DualDialogue has no type and no text of its own
                self.paras.append(p)
        elif name == "Text":
            self.in_text -= 1

    def characters(self, content):
        if self.in_text and self.stack:
            self.stack[-1].text.append(content)


def _read(data: bytes) -> _Handler:
    handler = _Handler()
    try:
        defusedxml.sax.parseString(data, handler, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise Invalid(
            f"this FDX declares a DTD or entities ({type(exc).__name__}), which Final Draft never writes "
            "and an XML bomb needs; export the script again from Final Draft"
        ) from None
    except xml.sax.SAXParseException as exc:
        raise Invalid(
            f"this FDX is not well-formed XML (line {exc.getLineNumber()}, column {exc.getColumnNumber()}: "
            f"{exc.getMessage()}); export it again from Final Draft or paste it as Fountain"
        ) from None
    if handler.root != "FinalDraft":
        raise Invalid(f"this XML is not a Final Draft file (its root is <{handler.root}>, not <FinalDraft>)")
    return handler


_KEY = re.compile(r"^([A-Za-z][A-Za-z ]{0,30}):\s*(.*)$", re.S)


def _title_page(paras: list[_Para]) -> dict[str, str]:
    out: dict[str, str] = {}
    texts = [t for t in ("".join(p.text).strip() for p in paras) if t]
    contact: list[str] = []
    expect_author = False
    for i, t in enumerate(texts):
        m = _KEY.match(t)
        if i == 0:
            out["title"] = t
        elif re.fullmatch(r"(written\s+)?by|story\s+by|screenplay\s+by", t, re.I):
            out["credit"], expect_author = t, True
        elif expect_author:
            out["author"], expect_author = t, False
        elif m:
            out[m.group(1).strip().lower()] = m.group(2).strip()
        else:
            contact.append(t)
    if contact:
        out["contact"] = "\n".join(contact)
    return out


def parse_fdx(text: str) -> Storyboard:
    handler = _read(text.encode("utf-8"))
    lines = text.split("\n")
    board = Storyboard(mode="fdx", title_page=_title_page([p for p in handler.paras if p.title_page]))
    scenes: list[ParsedScene] = []
    current: ParsedScene | None = None
    block: ParsedShot | None = None

    def scene() -> ParsedScene:
        nonlocal current
        if current is None:
            current = ParsedScene(heading="")
            scenes.append(current)
        return current

    last_lyrics = False
    for p in (p for p in handler.paras if not p.title_page):
        body = "".join(p.text).replace("\r", "").strip()
        kind = p.type.lower()
        previous_lyrics, last_lyrics = last_lyrics, kind == "lyrics" and block is None
        if kind in ("parenthetical", "dialogue", "lyrics") and block is not None:
            line = body if kind != "lyrics" else "~" + body
            block.dialogue = f"{block.dialogue}\n{line}" if block.dialogue else line
            block.line_end = p.line_end
            continue
        block = None
        if not body:
            continue
        if kind == "scene heading":
            current = ParsedScene(
                heading=body,
                scene_number=p.number,
                line_start=p.line_start,
                forced=not re.match(r"^(INT|EXT|EST|I/E)", body, re.I),
            )
            scenes.append(current)
        elif kind == "character":
            block = ParsedShot(
                kind="dialogue",
                character=body,
                dual=p.dual > 0 and _second_of_pair(handler.paras, p),
                line_start=p.line_start,
                line_end=p.line_end,
            )
            scene().shots.append(block)
        elif kind == "transition":
            if current is not None and current.shots:
                current.shots[-1].transition = body
            else:
                board.notes.append(f"line {p.line_start}: transition {body!r} has no shot before it; dropped")
        elif kind == "lyrics":
            shots = scene().shots
            if shots and shots[-1].kind == "lyrics" and previous_lyrics:
                shots[-1].dialogue += "\n~" + body
                shots[-1].line_end = p.line_end
            else:
                shots.append(ParsedShot(kind="lyrics", dialogue="~" + body, line_start=p.line_start, line_end=p.line_end))
        elif kind in ("action", "shot", "general", ""):
            centered = p.alignment.lower() == "center"
            scene().shots.append(
                ParsedShot(kind="centered" if centered else "action", action=body, line_start=p.line_start, line_end=p.line_end)
            )
        # Cast lists, act breaks and other outline paragraphs are not shots.
    for i, s in enumerate(scenes):
        s.line_start = s.line_start if s.heading else (s.shots[0].line_start if s.shots else 1)
        nxt = scenes[i + 1].line_start - 1 if i + 1 < len(scenes) else max([sh.line_end for sh in s.shots] or [s.line_start])
        s.line_end = max(s.line_start, nxt)
        s.source_text = "\n".join(lines[s.line_start - 1 : s.line_end])
    board.scenes = [s for s in scenes if s.heading or s.shots]
    return board


def _second_of_pair(paras: list[_Para], p: _Para) -> bool:
    """In a DualDialogue group, the second Character is the one Fountain marks with "^"."""
    cues = [q for q in paras if q.dual == p.dual and q.type.lower() == "character"]
    return len(cues) > 1 and cues[0] is not p


# ----------------------------------------------------------------------------- write


def _para(parent: ET.Element, kind: str, text: str, **attrs: str) -> ET.Element:
    p = ET.SubElement(parent, "Paragraph", {"Type": kind, **attrs})
    ET.SubElement(p, "Text").text = text
    return p


def _dialogue(parent: ET.Element, shot: ParsedShot) -> None:
    _para(parent, "Character", shot.character or "VOICE")
    for line in shot.dialogue.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("(") and line.endswith(")"):
            _para(parent, "Parenthetical", line)
        elif line.startswith("~"):
            _para(parent, "Lyrics", line[1:].strip())
        else:
            _para(parent, "Dialogue", line)


def write_fdx(board: Storyboard) -> str:
    root = ET.Element("FinalDraft", {"DocumentType": "Script", "Template": "No", "Version": "5"})
    content = ET.SubElement(root, "Content")
    for scene in board.scenes:
        if scene.heading:
            attrs = {"Number": scene.scene_number} if scene.scene_number else {}
            _para(content, "Scene Heading", scene.heading, **attrs)
        shots = scene.shots
        i = 0
        while i < len(shots):
            shot = shots[i]
            nxt = shots[i + 1] if i + 1 < len(shots) else None
            if shot.kind == "dialogue" and nxt is not None and nxt.kind == "dialogue" and nxt.dual and not shot.dual:
                group = ET.SubElement(ET.SubElement(content, "Paragraph"), "DualDialogue")
                _dialogue(group, shot)
                _dialogue(group, nxt)
                shot = nxt
                i += 1
            elif shot.kind == "dialogue":
                _dialogue(content, shot)
            elif shot.kind == "lyrics":
                for line in shot.dialogue.splitlines():
                    _para(content, "Lyrics", line.lstrip("~").strip())
            elif shot.kind == "centered":
                _para(content, "Action", shot.action, Alignment="Center")
            else:
                _para(content, "Action", shot.action)
            if shot.transition:
                _para(content, "Transition", shot.transition)
            i += 1
    if board.title_page:
        _title_page_xml(root, board.title_page)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _title_page_xml(root: ET.Element, page: dict[str, str]) -> None:
    content = ET.SubElement(ET.SubElement(root, "TitlePage"), "Content")
    rest = dict(page)
    for key in ("title", "credit", "author"):
        if key in rest:
            _para(content, "Text", rest.pop(key), Alignment="Center")
    contact = rest.pop("contact", "")
    for key, value in rest.items():
        _para(content, "Text", f"{key.capitalize()}: {value}", Alignment="Left")
    for line in contact.splitlines():
        _para(content, "Text", line, Alignment="Left")
