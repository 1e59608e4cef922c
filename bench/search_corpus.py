"""Policies and queries for the search measurement: realistic Chinese text, deterministic.

`policies(count, seed)` gives policy drafts (the shape of `POST /api/v1/policies`) built from the
demo policies of demo/policies.json: each keeps its model's department, level, county, dates,
subsidy and rule, and gets a varied title (year, county, notice or guide wording), a summary and a
body of 2 to 4 KB: the model's own text plus the sections a real notice has (basis, scope,
standards, procedure, materials, supervision, questions and answers), sentences drawn from the
pools below with years, amounts, industries, counties and topic words filled in. Topic words are spread unevenly, so
queries range from a handful of hits to most of the corpus.

`queries(count, seed, departments, tags)` gives the query strings of `GET /api/v1/policies` in
the mix staff and enterprises type: single words of one to four characters, two words, a quoted
phrase, words with a department, status or tag filter, filters alone, the plain newest-first
list, an occasional later page, and a few words no policy contains.
"""
from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from demo import api_body, load_policies
from demo.enterprises import COUNTY_NAMES

INDUSTRIES = ("装备制造", "新材料", "高端铝材", "精细化工", "纺织家纺", "食品加工", "绳网制品", "商用厨具",
              "现代物流", "跨境电商", "软件和信息技术服务", "生物医药", "新能源", "现代农业", "文化旅游")
TOPICS = ("数字化转型", "智能制造", "工业互联网", "绿色低碳", "节能降碳", "安全生产", "品牌建设", "质量提升",
          "知识产权", "标准制定", "人才引进", "稳岗就业", "首贷", "信用贷款", "出口信用保险", "外贸新业态",
          "专精特新", "单项冠军", "小巨人", "高新技术", "科技成果转化", "研发平台", "产学研合作", "技术改造",
          "规上企业", "个转企", "冬枣", "肉牛", "黄河三角洲", "乡村振兴", "招商引资", "营商环境", "一窗办理",
          "免申即享", "直达快享", "惠企政策", "中小微企业", "小微企业", "民营经济", "总部经济")
BASIS = (
    "根据《中华人民共和国中小企业促进法》《山东省人民政府关于进一步优化营商环境的若干措施》等有关规定，结合我市实际，制定本{kind}。",
    "为深入贯彻落实党中央、国务院关于促进民营经济发展壮大的决策部署，推动{industry}产业高质量发展，制定本{kind}。",
    "为加快建设黄河流域生态保护和高质量发展先行区，进一步激发市场主体活力，{dept}会同有关部门制定本{kind}。",
    "依据《滨州市惠企政策兑现管理办法（试行）》和{year}年全市经济工作会议部署，现就{topic}有关事项通知如下。",
    "为推动{topic}工作落地见效，支持企业做大做强，经市政府同意，现将{year}年度有关事项明确如下。",
)
SCOPE = (
    "在{county}依法登记注册、具有独立法人资格、财务制度健全的{industry}企业。",
    "上年度营业收入{amount}万元以上，且近三年未发生重大安全、环保、质量事故和严重失信行为的企业。",
    "纳入全市{topic}重点企业培育库、按期报送统计报表的企业。",
    "从业人员{people}人以上、依法缴纳社会保险费的中小微企业和个体工商户。",
    "已在惠企政策平台完成企业信息登记、并授权共享税务和社保数据的市场主体。",
    "个体工商户、农民专业合作社及家庭农场，按同类标准参照执行。",
)
STANDARDS = (
    "对符合条件的企业，一次性给予{amount}万元奖励，同一企业同一事项不重复享受。",
    "按实际投入的{percent}%给予补助，单个企业最高不超过{amount}万元。",
    "对贷款利息按照贷款市场报价利率（LPR）的{percent}%给予贴息，贴息期限最长{months}个月。",
    "对新认定的国家级、省级{topic}企业，分别给予{amount}万元、{small}万元奖励，按就高原则执行。",
    "对{topic}项目，按设备投资额的{percent}%给予奖补，最高{amount}万元；{county}可在此基础上叠加支持。",
    "同一企业同一年度享受市级同类奖补资金累计不超过{amount}万元。",
    "资金由市、县两级财政按比例分担，所需资金从{year}年度产业发展专项资金中列支。",
)
PROCEDURE = (
    "企业通过惠企政策平台“申报大厅”在线提交申请，县级主管部门在{days}个工作日内完成初审。",
    "市{dept_short}会同财政部门复核后，在部门网站公示{days}个工作日，公示无异议的拨付资金。",
    "对免申即享事项，由平台依据共享数据自动比对生成兑现清单，企业在线确认收款账户后直接拨付。",
    "受理、审核、公示、拨付各环节办理时限分别不超过{days}个工作日，超时自动提醒并纳入督办。",
    "企业也可携带相关材料到{county}政务服务中心惠企政策兑现窗口“一窗办理”。",
    "申报时间为{year}年{month}月1日至{month}月{day}日，逾期不再受理。",
)
MATERIALS = (
    "营业执照复印件（加盖公章）", "上年度财务审计报告", "项目备案（核准）文件", "设备购置发票清单",
    "银行贷款合同及付息凭证", "社会保险缴费明细", "研发费用专项审计报告", "知识产权证书", "出口报关单",
    "企业基本账户信息确认表", "承诺书", "项目实施方案",
)
SUPERVISION = (
    "获得支持的企业应当如实提供申报材料，对弄虚作假、骗取财政资金的，追回已拨付资金，并依法依规纳入失信记录。",
    "{dept}负责政策解释，并对资金使用情况开展绩效评价和跟踪问效。",
    "审计、财政部门依法对资金使用情况进行监督检查，发现问题及时整改。",
    "本{kind}执行期间如遇上级政策调整，按上级规定执行。",
)
QUESTIONS = (
    "问：{county}的分支机构能否申报？答：分支机构不具有独立法人资格的，由其总部统一申报。",
    "问：同时符合本政策和其他同类政策的，能否重复享受？答：按照“就高不重复”原则，企业可自主选择其中一项。",
    "问：新设立不满一年的企业如何申报？答：以实际经营期间的数据为准，营业收入按月平均折算。",
    "问：{topic}相关支出包括哪些？答：包括设备购置、软件购买、技术服务、人员培训等与项目直接相关的支出。",
    "问：免申即享事项是否还需提交材料？答：无需提交申请材料，平台依据{dept}共享数据自动核验，企业确认收款账户即可。",
    "问：资金多久能到账？答：公示期满无异议的，一般在{days}个工作日内拨付至企业基本账户。",
    "问：个体工商户能否享受？答：{industry}领域的个体工商户符合条件的，参照小微企业标准执行。",
    "问：申报材料需要纸质版吗？答：全程网上办理，确需核验原件的，由窗口工作人员预约上门或视频核验。",
)
KINDS = ("通知", "实施细则", "办法", "若干措施", "申报指南")
TITLE_FORMS = (
    "{title}", "{year}年度{title}申报指南", "关于做好{year}年{title}工作的通知", "{title}实施细则（{year}年修订）",
    "{county}{title}", "{title}（第{batch}批）", "关于印发《{title}办法》的通知",
)

WORDS = ("税", "铝", "枣", "奖", "企业", "补贴", "奖励", "贴息", "人才", "研发", "出口", "农业", "融资", "上市",
         "稳岗", "外贸", "技改", "冬枣", "肉牛", "首贷", "小微", "专精特新", "数字化", "高新技术", "知识产权",
         "创新券", "个转企", "一窗办理", "绿色低碳", "智能制造", "单项冠军", "乡村振兴")
PAIRS = ("研发 补助", "人才 引进", "出口 保险", "农业 贴息", "数字化 转型", "专精特新 奖励", "首贷 贴息",
         "小微企业 所得税", "技术改造 奖补", "邹平 铝", "博兴 厨具", "高新技术 认定", "稳岗 返还", "个体 工商户")
PHRASES = ('"免申即享"', '"稳岗返还"', '"一次性扩岗补助"', '"研发费用加计扣除"', '"专精特新"', '"首次纳入规模以上"',
           '“一企一策”', '"惠企政策平台"')
MISSES = ("区块链", "元宇宙", "航天器 发射")
STATUSES = ("published", "draft")
# (kind, weight): what staff and enterprises send
MIX = (("word", 30), ("two_words", 16), ("phrase", 10), ("word_department", 9), ("word_published", 10),
       ("tag", 8), ("word_tag", 5), ("filters_only", 5), ("newest", 3), ("next_page", 3), ("miss", 1))


def policies(count: int, seed: int = 31) -> list[dict[str, Any]]:
    """`count` policy drafts, each a model from demo/policies.json with its own title and text."""
    rng = random.Random(seed)
    models = load_policies()
    drafts = []
    for number in range(count):
        model = models[number % len(models)]
        drafts.append(_policy(model, number // len(models), rng))
    rng.shuffle(drafts)
    return drafts


def _policy(model: dict[str, Any], round_: int, rng: random.Random) -> dict[str, Any]:
    year = rng.choice((2023, 2024, 2025, 2026))
    county = COUNTY_NAMES.get(model.get("county") or "", "") or rng.choice(tuple(COUNTY_NAMES.values()))
    form = TITLE_FORMS[0] if round_ == 0 else rng.choice(TITLE_FORMS[1:])
    title = form.format(title=model["title"], year=year, county=county if not model.get("county") else "",
                        batch=rng.choice("一二三四五"))
    dept = model.get("department_name") or "市直有关部门"
    fill = {"year": year, "county": county, "dept": dept, "dept_short": dept.removeprefix("滨州市"),
            "kind": rng.choice(KINDS)}

    def sentences(pool: tuple[str, ...], low: int, high: int) -> str:
        chosen = rng.sample(pool, min(len(pool), rng.randint(low, high)))
        return "".join(sentence.format(**fill, topic=rng.choice(TOPICS), amount=rng.choice((5, 10, 20, 30, 50, 100, 200,
                                                                                           500, 2000)),
                                       small=rng.choice((3, 5, 10)), percent=rng.choice((10, 20, 30, 50)),
                                       months=rng.choice((6, 12, 24, 36)), people=rng.choice((10, 20, 50, 100)),
                                       days=rng.choice((3, 5, 7, 10, 15)), month=rng.randint(1, 11),
                                       day=rng.randint(10, 28), industry=rng.choice(INDUSTRIES))
                       for sentence in chosen)

    topics = rng.sample(TOPICS, rng.randint(2, 5))
    sections = [
        ("一、政策依据", sentences(BASIS, 1, 2)),
        ("二、支持对象", model["body"] + sentences(SCOPE, 2, 4)),
        ("三、支持标准", sentences(STANDARDS, 3, 6)),
        ("四、办理流程", sentences(PROCEDURE, 3, 6)),
        ("五、申报材料", "、".join(rng.sample(MATERIALS, rng.randint(2, 6))) + "。"),
        ("六、监督管理", sentences(SUPERVISION, 1, 3)),
        ("七、政策解读", sentences(QUESTIONS, 2, 5)),
        ("八、附则", f"本{fill['kind']}自{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日起施行，由{dept}负责解释。"
                   f"政策咨询：{dept}，咨询电话0543-{rng.randint(3000000, 8999999)}。"),
    ]
    body = "\n".join(f"{heading}\n{text}" for heading, text in sections) + "\n关键词：" + "，".join(topics)
    summary = model["summary"] + f"重点支持{'、'.join(topics[:2])}。"
    return {**api_body(model), "title": title[:300], "summary": summary[:2000], "body": body}


def queries(count: int, seed: int, *, departments: list[str], tags: list[str],
            limit: int = 20) -> list[tuple[str, str]]:
    """`count` (kind, query string) pairs for `GET /api/v1/policies?<query string>`."""
    rng = random.Random(seed)
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    chosen = []
    for kind in rng.choices(kinds, weights, k=count):
        params: dict[str, Any] = {}
        if kind in ("word", "word_department", "word_published", "word_tag", "next_page"):
            params["q"] = rng.choice(WORDS)
        elif kind == "two_words":
            params["q"] = rng.choice(PAIRS)
        elif kind == "phrase":
            params["q"] = rng.choice(PHRASES)
        elif kind == "miss":
            params["q"] = rng.choice(MISSES)
        if kind == "word_department" or (kind == "filters_only" and rng.random() < 0.5):
            params["department"] = rng.choice(departments)
        if kind in ("word_published", "filters_only"):
            params["status"] = rng.choice(STATUSES) if kind == "filters_only" else "published"
        if kind in ("tag", "word_tag"):
            params["tag"] = rng.choice(tags)
        params["limit"] = limit
        if kind == "next_page":
            params["offset"] = rng.choice((20, 40, 60))
        chosen.append((kind, urlencode(params)))
    return chosen
