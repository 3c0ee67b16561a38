"""The Gradio chat page. Texts come from prompts/ui.toml; answers are escaped before display."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import gradio as gr

from app.render import answer_html, documents_markdown, reply_html, sources_html
from app.service import AskBody, Service

_CSS = """
.cite { color: #065f46; font-weight: 600; }
.sources ol { padding-left: 1.1em; margin: 0; }
.sources li { margin-bottom: .8em; }
.src-meta { font-size: .85em; color: #374151; }
.src-meta code { color: #1f2937; background: #f3f4f6; }
.status.old { color: #b91c1c; font-weight: 600; }
.status.ok { color: #047857; }
.sources blockquote { margin: .3em 0 0; padding: .3em .6em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); font-size: .92em; }
#hoidap-status { border-left: 4px solid #b45309; background: #fffbeb; padding: .5em .8em; border-radius: 6px; }
#hoidap-footer { font-size: .85em; text-align: center; color: #374151; }
footer .show-api, footer a, footer button { color: #374151 !important; }
.emergency { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d; border-radius: 10px; padding: .6em .8em; }
.emergency .em-title { font-weight: 700; color: #991b1b; display: block; margin-bottom: .3em; }
.emergency a.em-call { display: inline-block; margin-top: .5em; background: #b91c1c; color: #fff !important;
  font-weight: 700; padding: .35em .9em; border-radius: 999px; text-decoration: none; }
.msg-sources { margin-top: .6em; font-size: .92em; }
.msg-sources summary { cursor: pointer; color: #065f46; font-weight: 600; padding: .3em 0; }
@media (min-width: 1000px) { .msg-sources { display: none; } }
"""


def theme_css() -> tuple[str, Any]:
    # System fonts only: pages and users may sit on closed networks (no font CDN).
    # Darker shades than Soft's defaults: white on emerald-500 is 2.5:1, below WCAG AA's 4.5:1.
    theme = gr.themes.Soft(primary_hue="emerald", font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
                           font_mono=["ui-monospace", "monospace"]).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white", color_accent="*primary_700", color_accent_soft="*primary_50",
        link_text_color="*primary_800", block_label_text_color="*neutral_700", body_text_color_subdued="*neutral_600")
    return _CSS, theme


def _greeting(texts: dict[str, Any]) -> list[Any]:
    return [{"role": "assistant", "content": html.escape(texts["greeting"])}]


def _turns(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for r in replies[-6:]:
        out += [{"role": "user", "content": r["question"]}, {"role": "assistant", "content": r["answer"]}]
    return out


class ChatHandlers:
    """What the page's buttons do. Everything shown is escaped first."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.texts = svc.prompts.ui()

    def respond(self, message: str, chat: list[dict[str, Any]], replies: list[dict[str, Any]]
                ) -> Iterator[tuple[Any, ...]]:
        message = message or ""
        chat = [*chat, {"role": "user", "content": html.escape(message)},
                {"role": "assistant", "content": html.escape(self.texts["thinking"])}]
        yield chat, gr.update(), replies, ""
        partial = ""
        for event in self.svc.ask_stream(AskBody(question=message, history=_turns(replies)), None):
            if event["event"] == "delta":
                partial += event["text"]
                chat[-1] = {"role": "assistant", "content": answer_html(partial)}
                yield chat, gr.update(), replies, ""
            elif event["event"] == "final":
                reply = event["reply"]
                chat[-1] = {"role": "assistant", "content": reply_html(reply, self.texts)}
                replies = [*replies, reply]
                yield chat, sources_html(reply, self.texts), replies, ""
            else:
                chat[-1] = {"role": "assistant", "content": html.escape(event["message"])}
                yield chat, gr.update(), replies, ""

    def on_like(self, replies: list[dict[str, Any]], data: gr.LikeData) -> tuple[Any, ...]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        k = (int(index) - 1) // 2  # the greeting, then user and assistant messages alternate
        if not 0 <= k < len(replies):
            return gr.update(visible=False), None
        row = self.svc.feedback.add(replies[k], 1 if data.liked else -1)
        if data.liked:
            gr.Info(self.texts["feedback_thanks"])
            return gr.update(visible=False), None
        return gr.update(visible=True), row

    def on_comment(self, comment: str, row: int | None) -> tuple[Any, ...]:
        if row is not None and comment.strip():
            self.svc.feedback.comment(row, comment.strip())
            gr.Info(self.texts["feedback_thanks"])
        return gr.update(visible=False), None, ""

    def new_chat(self) -> tuple[Any, ...]:
        return _greeting(self.texts), [], self.empty_sources(), "", gr.update(visible=False)

    def on_load(self) -> tuple[Any, ...]:
        """Each page load shows the documents as they are now, and says so while the first index builds."""
        if not self.svc.ready:
            p = self.svc.progress
            text = self.svc.prompts.render("indexing", done=p.get("done", 0), total=p.get("total", "?"))
            return gr.update(value=html.escape(text), visible=True), ""
        return gr.update(visible=False), documents_markdown(self.svc.documents(), self.texts)

    def empty_sources(self) -> str:
        return f'<div class="sources empty">{html.escape(self.texts["no_sources"])}</div>'

    def api_ask(self, question: str) -> dict[str, Any]:
        """Gradio API endpoint (`gradio_client`: api_name="/ask"): the reply as `rag ask --json` shows it."""
        final: dict[str, Any] = {}
        for event in self.svc.ask_stream(AskBody(question=question), None):
            if event["event"] == "final":
                final = event["reply"]
            elif event["event"] == "error":
                final = {"question": question, "answer": event["message"], "refused": True, "reason": "error"}
        return final


def build_ui(svc: Service) -> gr.Blocks:
    h = ChatHandlers(svc)
    texts = h.texts
    with gr.Blocks(title=texts["title"], analytics_enabled=False) as blocks:
        gr.Markdown(f"# {html.escape(texts['title'])}\n{html.escape(texts['subtitle'])}")
        status = gr.Markdown(visible=False, elem_id="hoidap-status")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(value=_greeting(texts), height=520, label=texts["chat_label"], show_label=False,
                                     sanitize_html=True, allow_tags=False, buttons=["copy", "copy_all"],
                                     feedback_options=("Like", "Dislike"), elem_id="hoidap-chat")
                with gr.Row():
                    box = gr.Textbox(placeholder=texts["placeholder"], show_label=False, scale=5, max_lines=4,
                                     elem_id="hoidap-input")
                    send = gr.Button(texts["send"], variant="primary", scale=1, elem_id="hoidap-send")
                reset = gr.Button(texts["new_chat"], elem_id="hoidap-new")
                with gr.Row(visible=False) as comment_row:
                    comment = gr.Textbox(label=texts["feedback_comment"], scale=5)
                    comment_send = gr.Button(texts["feedback_send"], scale=1)
                gr.Examples(examples=[[q] for q in texts["examples"]], inputs=[box], label=texts["examples_heading"])
            with gr.Column(scale=2):
                gr.Markdown(f"## {html.escape(texts['sources_heading'])}")
                sources = gr.Markdown(h.empty_sources(), elem_id="hoidap-sources")
                with gr.Accordion(texts["documents_heading"], open=True):
                    documents = gr.Markdown(documents_markdown(svc.documents(), texts))
        gr.Markdown(html.escape(texts["footer"]), elem_id="hoidap-footer")
        replies = gr.State([])
        feedback_row = gr.State(None)
        outs = [chatbot, sources, replies, box]
        box.submit(h.respond, [box, chatbot, replies], outs, api_visibility="private")
        send.click(h.respond, [box, chatbot, replies], outs, api_visibility="private")
        chatbot.like(h.on_like, [replies], [comment_row, feedback_row])
        comment_send.click(h.on_comment, [comment, feedback_row], [comment_row, feedback_row, comment])
        reset.click(h.new_chat, None, [chatbot, replies, sources, box, comment_row])
        gr.api(h.api_ask, api_name="ask")
        blocks.load(h.on_load, None, [status, documents], api_visibility="private")
    return blocks
