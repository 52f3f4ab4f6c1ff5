"""The second retrieval stage (issue 17 item 6): article sentences indexed in chromadb, reranking by the
sentence closest to the question, and duty-bearer (actor) matching kept as data in spec/duties.yaml."""

from __future__ import annotations

import pytest
import yaml

from assistant.config import Settings
from assistant.corpus import duties as duties_module
from assistant.corpus import rerank
from assistant.corpus.citations import build_registry
from assistant.corpus.duties import actor_mismatch, article_actors, duties, question_actors
from assistant.corpus.index import get_sentence_collection, ingest
from assistant.corpus.regulations import load_regulations
from assistant.corpus.rerank import Candidate
from assistant.corpus.retrieve import Retriever
from tests.conftest import ROOT
from tests.test_retrieval import EXPORT, RECO, base, retriever, settings  # noqa: F401  (fixtures)

STATE_DUTY = "国家建立数据分类分级保护制度，对数据实行分类分级保护。各地区、各部门应当确定重要数据具体目录。"
PROVIDER_DUTY = "数据处理者应当按照规定对其数据处理活动定期开展风险评估，并向有关主管部门报送风险评估报告。"


# --- duty bearers ----------------------------------------------------------------------------


def test_article_actors_read_from_duty_sentences() -> None:
    assert article_actors(STATE_DUTY) == {"state"}
    assert article_actors(PROVIDER_DUTY) == {"provider"}
    assert article_actors("任何组织和个人不得利用网络从事危害国家安全的活动。") == {"provider", "user"}
    assert article_actors("使用者发现服务不符合规定的，有权向有关主管部门投诉、举报。") == {"user"}
    # "个人信息" names no actor: the sentence obliges whoever processes it, not the individual
    assert article_actors("处理敏感个人信息应当取得个人的单独同意。") == set()
    assert article_actors("本办法所称数据，是指任何以电子方式对信息的记录。") == set()  # a definition
    assert article_actors("任何组织、个人收集数据，应当采取合法、正当的方式。") == {"provider", "user"}


def test_the_subject_of_a_long_sentence_is_its_opening_clause() -> None:
    # the 30 characters before 有权 name nobody; the sentence's subject (使用者) does
    text = "使用者发现生成式人工智能服务不符合法律、行政法规和本办法规定的，有权向有关主管部门投诉、举报。"
    assert article_actors(text) == {"user"}


def test_policy_sentences_speak_for_the_state() -> None:
    assert article_actors("鼓励生成式人工智能技术在各行业、各领域的创新应用，构建应用生态体系。") == {"state"}
    assert article_actors("支持行业组织、企业、教育和科研机构等开展协作。") == {"state"}


def test_third_parties_and_app_stores_are_actors_of_their_own() -> None:
    school = "对于有沉迷网络倾向的未成年学生，学校应当及时告知其监护人，共同进行教育和引导。"
    store = "互联网应用商店等应用程序分发平台应当落实上架审核、日常管理、应急处置等安全管理责任。"
    assert article_actors(school) == {"third_party"}
    assert article_actors(store) == {"distributor"}
    assert actor_mismatch("我们的App怎么防止中学生沉迷？", school)
    assert actor_mismatch("我们的AI绘画App要做哪些审核？", store)
    assert not actor_mismatch("我们的App要上架应用商店，商店会核验什么？", store)
    assert not actor_mismatch("学校老师发现学生沉迷，平台要配合什么？", school)


def test_sanction_sentences_are_not_read_for_duty_bearers() -> None:
    # the authority is the subject of a penalty by grammar, in whichever chapter the article stands
    assert (
        article_actors("违反本规定的，由网信部门责令改正，给予警告，可以并处一万元以上十万元以下罚款。")
        == set()
    )


def test_question_actors_default_to_the_filer() -> None:
    assert question_actors("我们的数据要不要分类分级？") == {"provider"}
    assert "state" in question_actors("监管部门来检查，会看哪些材料？")
    assert question_actors("作为普通用户，发现违规内容可以找谁投诉？") == {"user"}  # the user's own voice
    assert question_actors("用户要求删除数据，我们必须删吗？") == {"provider"}


def test_actor_mismatch() -> None:
    assert actor_mismatch("我们的数据要不要分类分级？", STATE_DUTY)
    assert not actor_mismatch("我们的数据要不要分类分级？", PROVIDER_DUTY)
    assert not actor_mismatch("网信部门会怎么确定重要数据目录？", STATE_DUTY)
    # a user's right in a chapter named 监督检查和法律责任 is still a user's right, not the filer's duty
    user_right = (
        "使用者发现生成式人工智能服务不符合法律、行政法规和本办法规定的，有权向有关主管部门投诉、举报。"
    )
    assert actor_mismatch("我们的大模型产品要做哪些审核？", user_right)


# --- the reranking score -----------------------------------------------------------------------


def test_best_sentence_reorders_close_candidates() -> None:
    # A wins on the whole-chunk fused score by a little; B holds a sentence much closer to the question.
    a = Candidate(0, fused=0.60, best_sentence=0.80, cosine=0.80)
    b = Candidate(1, fused=0.57, best_sentence=0.90, cosine=0.78)
    far = Candidate(2, fused=0.20, best_sentence=0.70, cosine=0.70)
    order = rerank.order([a, b, far])
    assert order[1] > order[0] > order[2]
    # a large first-stage margin is not overturned by the sentence alone
    order = rerank.order([Candidate(0, 0.75, 0.80, 0.8), Candidate(1, 0.50, 0.90, 0.8), far])
    assert order[0] > order[1]


def test_actor_mismatch_lowers_a_near_tie() -> None:
    state = Candidate(0, fused=0.60, best_sentence=0.85, cosine=0.8, mismatch=True)
    provider = Candidate(1, fused=0.58, best_sentence=0.85, cosine=0.8)
    order = rerank.order([state, provider, Candidate(2, 0.3, 0.6, 0.6)])
    assert order[1] > order[0]


def test_chunks_without_sentences_use_their_own_cosine() -> None:
    order = rerank.order([Candidate(0, 0.5, None, 0.9), Candidate(1, 0.5, 0.7, 0.7)])
    assert order[0] > order[1]


# --- the sentence index and the retriever ----------------------------------------------------------


def test_ingest_indexes_every_article_sentence(settings: Settings) -> None:  # noqa: F811
    stored = get_sentence_collection(settings).get(include=["metadatas", "documents"])
    by_article: dict[tuple[str, str], list[str]] = {}
    for meta, text in zip(stored["metadatas"], stored["documents"], strict=True):
        assert meta["source"] == "sentence"
        by_article.setdefault((meta["title"], meta["article"]), []).append(text)
    assert any("二十个工作日内办理注销备案手续" in s for s in by_article[(RECO, "第六条")])
    assert any("三十个工作日内完成审核" in s for s in by_article[(RECO, "第六条")])
    assert "（二）推荐服务的目的意图；" in by_article[(RECO, "第三条")]  # each 项 is a sentence of its own
    (settings.regulations_dir / f"{EXPORT}.md").unlink()
    ingest(settings)
    titles = {m["title"] for m in get_sentence_collection(settings).get(include=["metadatas"])["metadatas"]}
    assert EXPORT not in titles and RECO in titles  # a removed file's sentences go with it


def test_hits_name_the_sentence_that_answers(retriever: Retriever) -> None:  # noqa: F811
    hits = retriever.search("备案机关收到材料后多久审完", k=3, source="regulation")
    assert (hits[0].title, hits[0].article) == (RECO, "第六条")
    assert hits[0].sentence is not None and "三十个工作日内完成审核" in hits[0].sentence
    assert hits[0].sentence in hits[0].text
    first_stage = retriever.search("备案机关收到材料后多久审完", k=3, source="regulation", rerank_stage=False)
    assert all(h.sentence is None for h in first_stage)


def test_a_third_partys_duty_gives_way_to_the_filers(
    indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the real corpus a provider's question about anti-addiction is answered by the providers' article
    (未成年人网络保护条例第四十二条), not by the schools' one (第四十条) that shares its words; read without the
    third-party class the schools' article comes first."""
    question = "我们的视频平台有很多学生用户，防沉迷要做到什么程度？"
    real = Retriever(indexed_settings, build_registry(indexed_settings.regulations_dir))
    top = real.search(question, k=5, source="regulation")[0]
    assert (top.title, top.article) == ("未成年人网络保护条例", "第四十二条")
    full = duties()
    actors = {name: words for name, words in full.actors.items() if name != "third_party"}
    monkeypatch.setattr(duties_module, "duties", lambda: full.model_copy(update={"actors": actors}))
    top = real.search(question, k=5, source="regulation")[0]
    assert (top.title, top.article) == ("未成年人网络保护条例", "第四十条")


# --- the question sets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["retrieval_questions.yaml", "retrieval_questions_heldout.yaml", "retrieval_questions_heldout2.yaml"],
)
def test_question_set_gold_articles_exist(name: str) -> None:
    articles = {
        (r.title, a.label)
        for r in load_regulations(ROOT / "corpus" / "regulations").regulations
        for a in r.articles
    }
    rows = yaml.safe_load((ROOT / "bench" / name).read_text(encoding="utf-8"))
    missing = [
        (row["id"], g) for row in rows for g in row["gold"] if (g["title"], g["article"]) not in articles
    ]
    assert rows and not missing


def test_new_held_out_set_covers_every_current_regulation() -> None:
    current = {
        r.title
        for r in load_regulations(ROOT / "corpus" / "regulations").regulations
        if not r.meta.historical
    }
    rows = yaml.safe_load((ROOT / "bench" / "retrieval_questions_heldout2.yaml").read_text(encoding="utf-8"))
    assert len(rows) >= 30 and {g["title"] for row in rows for g in row["gold"]} == current


def test_ingest_restores_missing_sentences(settings: Settings) -> None:  # noqa: F811
    sentences = get_sentence_collection(settings)
    count = sentences.count()
    sentences.delete(where={"title": RECO})
    report = ingest(settings)
    assert f"regulations/{RECO}.md" in report.updated and sentences.count() == count
