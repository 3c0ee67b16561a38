"""The Gradio chat page. Texts come from prompts/ui.toml; answers are escaped before display."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from app.render import answer_html, documents_markdown, sources_html

if TYPE_CHECKING:
    from app.server import Service

_CSS = """
.cite { color: var(--color-accent); font-weight: 600; }
.sources ol { padding-left: 1.1em; margin: 0; }
.sources li { margin-bottom: .8em; }
.src-meta { font-size: .85em; opacity: .8; }
.status.old { color: #b91c1c; font-weight: 600; }
.status.ok { color: #047857; }
.sources blockquote { margin: .3em 0 0; padding: .3em .6em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); font-size: .92em; }
#hoidap-footer { font-size: .85em; opacity: .85; text-align: center; }
"""


def theme_css() -> tuple[str, Any]:
    # System fonts only: pages and users may sit on closed networks (no font CDN).
    theme = gr.themes.Soft(primary_hue="emerald", font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
                           font_mono=["ui-monospace", "monospace"])
    return _CSS, theme


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
        from app.server import AskBody

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
                chat[-1] = {"role": "assistant", "content": answer_html(reply["answer"])}
                replies = [*replies, reply]
                yield chat, sources_html(reply, self.texts), replies, ""
            else:
                chat[-1] = {"role": "assistant", "content": html.escape(event["message"])}
                yield chat, gr.update(), replies, ""

    def on_like(self, replies: list[dict[str, Any]], data: gr.LikeData) -> tuple[Any, ...]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        k = int(index) // 2  # messages alternate: user, assistant
        if k >= len(replies):
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
        return [], [], self.empty_sources(), "", gr.update(visible=False)

    def empty_sources(self) -> str:
        return f'<div class="sources empty">{html.escape(self.texts["no_sources"])}</div>'

    def api_ask(self, question: str) -> dict[str, Any]:
        """Gradio API endpoint (`gradio_client`: api_name="/ask"): the reply as `rag ask --json` shows it."""
        from app.server import AskBody

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
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(height=520, label=texts["title"], sanitize_html=True, allow_tags=False,
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
                gr.Markdown(f"### {html.escape(texts['sources_heading'])}")
                sources = gr.HTML(h.empty_sources(), elem_id="hoidap-sources")
                with gr.Accordion(texts["documents_heading"], open=True):
                    gr.Markdown(documents_markdown(svc.documents(), texts))
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
    return blocks
