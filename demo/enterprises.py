"""Deterministic, realistic enterprise profiles of Binzhou (contract section 1) for demos and benchmarks.

`generate(count, seed)` gives profile dicts ready for `EnterpriseProfile.model_validate`; the same
`count` and `seed` always give the same profiles, and `generate(n, seed)` is the first n profiles
of `generate(m, seed)` for any m >= n. Dates are computed against a fixed day (`TODAY`), never the
wall clock.

What the population looks like (shares of generate(100_000), rounded):
- county: 邹平市 and 滨城区 24% each, 博兴县 13%, 惠民、阳信、无棣 10% each, 沾化区 9%;
- industry: GB/T 4754-2017 codes at 4 digits (86%) or 3 digits (the 中类 only), weighted like
  Binzhou's economy: 制造业 C 26% (textiles, chemicals, aluminium and metals, grain and oil, food,
  equipment, with each county's specialities: 邹平 aluminium and textiles, 博兴 commercial
  kitchens, steel sheet and straw weaving, 惠民 rope and nets, 阳信 beef cattle, 沾化 winter jujube,
  无棣 salt and sea farming); wholesale and retail F 24%; agriculture A 9%; construction E 7%;
  leasing and business services L 7%; transport G 5%; catering H 4%; software and internet I 3.5%;
  the rest spread over B, D, J, K, M, N, O, P, Q, R;
- ownership: private 76%, individual businesses 14% (retail, catering, repair, transport, farming),
  state-owned 3.6%, collective 3%, foreign and HK/Macao/Taiwan invested 3.7% together;
- registered_on: 1995-01-01 to 2026-11-26, the stock growing about 11% a year (31% under 3 years);
- employees: log-normal by industry, age and ownership: median 9, 84% under 50, 1% 460 or more,
  0.3% 1,000 or more; individual businesses 1 to 8; 1.3% report none;
- annual_revenue, total_assets: employees x the industry's revenue per employee x noise, and
  revenue x the industry's asset ratio x noise; absent for the 4.6% registered in the last
  120 days (no tax year yet). By the national SME standard this makes 0.4% large, 5.5% medium,
  39% small and 51% micro;
- rd_expense: 12% (a third of manufacturers, more than half of software firms), intensity
  log-normal around 2.5%, at least the 高新技术企业 floor for those so qualified;
- qualifications (only with R&D): high_tech_enterprise 4.3%, tech_sme 8.5%, specialized_sme 3.2%,
  little_giant 0.6%, gazelle 0.6%;
- interests: 0 to 3 of the nine codes (25/35/25/15%), weighted by the profile (financing 29%,
  tax_relief 25%, talent 18%, ... energy 4%);
- status: active;
- contact_phone: an 11-digit mobile number made from the USCC (`contact_phone`), so that every demo
  enterprise can register itself (contract section 12).
"""
from __future__ import annotations

import hashlib
import math
import operator
import random
from bisect import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from shared.contracts.gov import Status
from shared.uscc import complete

TODAY = date(2026, 11, 27)
LATEST_REGISTRATION = TODAY - timedelta(days=1)
FIRST_YEAR = 1995
NO_TAX_YEAR_DAYS = 120          # registered more recently than this: no tax data yet
MAX_REVENUE = 200_000_000_000   # 2,000亿元: about the largest group in the city
LOG_TYPICAL_INTENSITY = math.log(0.025)   # the median R&D intensity of those doing R&D

COUNTY_NAMES = {
    "371602": "滨城区", "371603": "沾化区", "371621": "惠民县", "371622": "阳信县",
    "371623": "无棣县", "371625": "博兴县", "371681": "邹平市",
}
# How a company name starts when it names its county: districts under the city name, counties alone.
COMPANY_PLACES = {
    "371602": "滨州市滨城区", "371603": "滨州市沾化区", "371621": "惠民县", "371622": "阳信县",
    "371623": "无棣县", "371625": "博兴县", "371681": "邹平市",
}
COUNTY_WEIGHTS = {
    "371602": 24, "371681": 24, "371625": 13, "371621": 10, "371622": 10, "371623": 10, "371603": 9,
}

# Ownership weights for enterprises (not individual businesses), and per section adjustments.
OWNERSHIPS = ("private", "state_owned", "collective", "foreign_invested", "hmt_invested")
OWNERSHIP_WEIGHTS = (89.5, 3.4, 2.9, 2.4, 1.8)
STATE_HEAVY = {"D": 8.0, "J": 4.0, "G": 2.0, "E": 1.5, "K": 1.5, "N": 3.0, "Q": 2.0, "P": 1.5}
COLLECTIVE_HEAVY = {"A": 3.0, "C": 1.2}
FOREIGN_HEAVY = {"C": 2.0, "F": 1.0, "G": 1.0, "I": 1.2}
OWNERSHIP_SIZE = {"private": 1.0, "state_owned": 4.0, "collective": 1.5, "foreign_invested": 3.0,
                  "hmt_invested": 2.5}


class _Industry:
    """One GB/T 4754-2017 class: how common it is and what its enterprises look like."""

    __slots__ = ("code", "weight", "words", "revenue_per_employee", "asset_ratio", "median_employees",
                 "rd_share", "counties", "individual_share", "section")

    def __init__(self, code: str, weight: float, words: str, revenue_per_employee_wan: float,
                 asset_ratio: float, median_employees: float, rd_share: float,
                 counties: dict[str, float] | None = None, individual_share: float = 0.0) -> None:
        self.code = code
        self.section = code[0]
        self.weight = weight
        self.words = tuple(words.split())
        self.revenue_per_employee = revenue_per_employee_wan * 10_000
        self.asset_ratio = asset_ratio
        self.median_employees = median_employees
        self.rd_share = rd_share
        self.counties = counties or {}
        self.individual_share = individual_share


_I = _Industry
# code, weight (% of enterprises), name words, revenue per employee (万元), assets / revenue,
# median employees, share doing R&D, county multipliers, share that are individual businesses.
INDUSTRIES: tuple[_Industry, ...] = (
    # A 农、林、牧、渔业
    _I("A0112", 1.2, "农业发展 种植 农业科技 粮食种植", 12, 1.4, 3, 0.01, {"371621": 1.5, "371622": 1.3}, 0.15),
    _I("A0113", 0.6, "农业发展 种植 农业", 12, 1.4, 2, 0.01, {"371621": 1.3}, 0.15),
    _I("A0141", 1.0, "蔬菜 果蔬 农业科技 绿色农业", 14, 1.2, 4, 0.03,
       {"371621": 1.5, "371622": 1.5, "371625": 1.5}, 0.2),
    _I("A0142", 0.4, "食用菌 菌业", 18, 1.2, 5, 0.05, {"371625": 1.5}, 0.15),
    _I("A0151", 1.0, "冬枣 果业 生态农业 果品", 10, 1.5, 2, 0.02, {"371603": 6.0, "371622": 2.0}, 0.2),
    _I("A0311", 0.9, "牧业 肉牛养殖 畜牧 牛业", 25, 1.3, 4, 0.02, {"371622": 6.0, "371621": 1.5}, 0.15),
    _I("A0313", 0.5, "养殖 生猪养殖 牧业", 30, 1.3, 4, 0.02, {"371621": 1.5}, 0.15),
    _I("A0321", 0.6, "养殖 禽业 蛋鸡养殖", 25, 1.2, 4, 0.02, {"371622": 2.0, "371621": 1.5}, 0.15),
    _I("A0411", 0.5, "水产 海产 渔业 海洋养殖", 20, 1.5, 4, 0.03, {"371623": 6.0, "371603": 5.0}, 0.15),
    _I("A0512", 0.5, "农机服务 农业服务 农机", 10, 1.5, 2, 0.0, {"371621": 1.5}, 0.2),
    _I("A0514", 0.4, "农产品 农副产品 农业开发", 20, 1.0, 4, 0.02, None, 0.15),
    # B 采矿业
    _I("B1030", 0.15, "盐业 盐场 海盐", 40, 1.5, 30, 0.02, {"371623": 8.0, "371603": 8.0}),
    _I("B1019", 0.15, "矿业 砂石", 60, 1.5, 10, 0.0),
    # C 制造业
    _I("C1312", 0.8, "面粉 粮食加工 食品 麦业", 150, 0.8, 15, 0.15, {"371602": 1.5, "371625": 1.2}),
    _I("C1331", 0.6, "粮油 油脂 植物油", 300, 0.9, 20, 0.2, {"371681": 3.0, "371625": 3.0}),
    _I("C1351", 0.4, "肉业 清真食品 食品", 120, 0.7, 25, 0.08, {"371622": 5.0}),
    _I("C1352", 0.5, "食品 禽业 肉食", 80, 0.7, 40, 0.08, {"371622": 3.0, "371621": 1.5}),
    _I("C1391", 0.4, "淀粉 糖业 生物科技", 150, 1.0, 25, 0.3, {"371681": 3.0}),
    _I("C1495", 0.3, "生物科技 食品配料 食品添加剂", 100, 1.0, 15, 0.4),
    _I("C132", 0.5, "饲料 饲料科技", 200, 0.7, 12, 0.15, {"371622": 2.0, "371621": 1.5}),
    _I("C1711", 1.6, "纺织 棉业 纺纱 棉纺", 50, 1.0, 40, 0.2, {"371681": 3.0, "371602": 1.5, "371621": 1.2}),
    _I("C1712", 1.0, "纺织 织造 棉纺织 织业", 45, 1.0, 30, 0.2, {"371681": 2.5, "371625": 1.5}),
    _I("C1713", 0.4, "印染 染整 纺织印染", 60, 1.1, 40, 0.25, {"371681": 2.0, "371602": 1.5}),
    _I("C1771", 0.5, "家纺 床上用品 老粗布", 40, 0.9, 20, 0.1, {"371625": 2.5}),
    _I("C1772", 0.5, "家纺 毛巾 纺织品", 40, 1.0, 40, 0.2, {"371602": 2.5, "371603": 1.5}),
    _I("C1782", 1.0, "绳网 化纤绳网 渔具 绳缆", 35, 0.8, 12, 0.12, {"371621": 9.0}),
    _I("C181", 0.6, "服饰 服装 制衣", 25, 0.7, 25, 0.05),
    _I("C2435", 0.5, "工艺品 草柳编 编织工艺品", 20, 0.8, 10, 0.03, {"371625": 9.0}),
    _I("C2511", 0.15, "石化 石油化工 炼化", 800, 1.0, 200, 0.4,
       {"371625": 3.0, "371603": 2.0, "371623": 2.0, "371602": 1.5}),
    _I("C2612", 0.1, "化工 氯碱 化学", 400, 1.2, 150, 0.5, {"371602": 3.0}),
    _I("C2613", 0.3, "盐化 化工 盐化工", 150, 1.1, 30, 0.3, {"371623": 4.0, "371603": 4.0}),
    _I("C2614", 0.6, "化工 化学 新材料 化工科技", 300, 1.1, 40, 0.45,
       {"371602": 2.0, "371603": 1.5, "371625": 1.5, "371623": 1.5}),
    _I("C2619", 0.3, "化工 化学", 250, 1.1, 30, 0.35),
    _I("C2631", 0.15, "农药 生物化工 作物科学", 200, 1.0, 50, 0.5, {"371602": 2.0}),
    _I("C2651", 0.2, "新材料 树脂 高分子材料", 350, 1.1, 50, 0.5),
    _I("C2661", 0.4, "化学助剂 精细化工 化工科技", 150, 1.0, 20, 0.5),
    _I("C2710", 0.15, "药业 医药 制药", 150, 1.3, 80, 0.7),
    _I("C2921", 0.4, "塑业 塑料 包装材料", 80, 0.9, 15, 0.15),
    _I("C3021", 0.5, "建材 水泥制品 管桩 构件", 60, 1.0, 15, 0.05),
    _I("C3120", 0.05, "钢铁 特钢 钢业", 500, 1.2, 500, 0.5, {"371681": 4.0, "371625": 2.0}),
    _I("C3130", 0.5, "钢板 金属板材 彩钢 板业", 200, 0.8, 25, 0.15, {"371625": 5.0}),
    _I("C3216", 0.1, "铝业 有色金属 电解铝", 500, 1.2, 300, 0.4, {"371681": 10.0, "371603": 2.0}),
    _I("C3252", 0.5, "铝材 铝业 轻合金 铝合金", 150, 1.0, 40, 0.35, {"371681": 6.0, "371625": 1.5, "371602": 1.5}),
    _I("C3311", 0.8, "钢结构 钢构 金属结构", 80, 1.0, 15, 0.1),
    _I("C3391", 0.5, "铸造 铸业 精密铸造", 60, 1.0, 20, 0.15, {"371625": 2.0, "371681": 2.0}),
    _I("C3399", 0.6, "金属制品 五金 五金制品", 50, 0.9, 10, 0.1),
    _I("C3531", 0.7, "厨业 厨具 厨房设备 商用厨具", 50, 0.9, 15, 0.25, {"371625": 7.0}),
    _I("C3571", 0.2, "农机 农业装备 拖拉机", 80, 1.0, 30, 0.5, {"371602": 1.5, "371625": 1.5}),
    _I("C3572", 0.4, "农机 农业机械 机械", 60, 1.0, 15, 0.3, {"371621": 2.0, "371622": 2.0}),
    _I("C346", 0.4, "机械 设备 机械设备 环保设备", 60, 1.0, 15, 0.35),
    _I("C3670", 1.0, "汽车零部件 活塞 汽车配件 机械", 80, 1.1, 40, 0.45, {"371602": 2.0, "371681": 1.5}),
    _I("C3811", 0.2, "电机 电气 动力", 70, 1.0, 30, 0.5),
    _I("C3841", 0.1, "新能源 电池 储能科技", 120, 1.3, 60, 0.7),
    _I("C3990", 0.3, "电子 电子科技 智能科技", 60, 1.0, 20, 0.6),
    _I("C4190", 0.5, "制品 实业 工贸", 40, 0.9, 8, 0.05),
    # D 电力、热力、燃气及水生产和供应业
    _I("D4412", 0.2, "热电 电力 能源", 300, 2.5, 80, 0.15),
    _I("D4415", 0.15, "风电 新能源 风力发电", 300, 6.0, 8, 0.1, {"371623": 4.0, "371603": 3.0}),
    _I("D4416", 0.35, "光伏 新能源 能源科技 光伏发电", 200, 5.0, 5, 0.1, {"371623": 2.0, "371603": 2.0}),
    _I("D4430", 0.15, "热力 供热 热力供应", 120, 2.0, 30, 0.05),
    _I("D4610", 0.15, "水务 供水 自来水", 60, 3.0, 40, 0.05),
    # E 建筑业
    _I("E4710", 2.0, "建筑 建设 建筑工程 建工", 40, 1.2, 20, 0.03),
    _I("E4813", 1.2, "市政工程 路桥 建设工程 公路工程", 45, 1.3, 20, 0.03),
    _I("E4910", 1.0, "电气工程 电力安装 电力工程", 35, 1.0, 12, 0.03),
    _I("E4920", 0.8, "安装工程 管道工程 设备安装", 35, 1.0, 12, 0.02),
    _I("E5011", 1.0, "装饰工程 装饰 建筑装饰", 35, 0.9, 10, 0.02),
    _I("E5012", 1.0, "装饰 家装 装饰装修", 30, 0.6, 5, 0.0, None, 0.3),
    # F 批发和零售业
    _I("F5111", 1.2, "粮油贸易 粮食购销 粮贸", 250, 0.4, 5, 0.0),
    _I("F5119", 1.0, "农产品 农副产品贸易 农贸", 150, 0.4, 4, 0.0, None, 0.2),
    _I("F5162", 0.8, "石油 能源 石化贸易 油品", 500, 0.35, 5, 0.0, {"371625": 1.5, "371602": 1.3}),
    _I("F5164", 1.0, "金属材料 铝材贸易 钢材 金属", 400, 0.35, 5, 0.0, {"371681": 2.0, "371625": 1.5}),
    _I("F5165", 1.5, "建材 建材贸易 建筑材料", 120, 0.5, 4, 0.0, None, 0.2),
    _I("F5169", 1.5, "化工贸易 化工产品 化工", 300, 0.4, 4, 0.0, {"371602": 1.5}),
    _I("F5172", 0.7, "汽车配件 汽配 汽车用品", 100, 0.5, 4, 0.0, None, 0.2),
    _I("F5179", 1.3, "机电设备 机械设备 电子设备", 120, 0.5, 4, 0.01),
    _I("F5199", 2.0, "商贸 贸易 商贸发展 供应链", 150, 0.5, 4, 0.0),
    _I("F5211", 0.8, "百货 商厦 购物中心", 60, 0.8, 8, 0.0),
    _I("F5212", 1.8, "超市 商超 购物广场", 80, 0.5, 6, 0.0, None, 0.4),
    _I("F5213", 2.0, "便利店 便民超市 便利", 40, 0.4, 2, 0.0, None, 0.7),
    _I("F5221", 1.0, "粮油 粮油店 粮油经营部", 50, 0.4, 2, 0.0, None, 0.7),
    _I("F5223", 1.2, "果蔬 蔬菜店 水果店 鲜果", 30, 0.3, 2, 0.0, None, 0.75),
    _I("F5224", 1.0, "生鲜 肉食店 鲜肉 水产", 40, 0.3, 2, 0.0, None, 0.75),
    _I("F5251", 0.8, "大药房 药店 医药连锁", 60, 0.6, 4, 0.0, None, 0.3),
    _I("F5261", 0.6, "汽车销售 汽车贸易 汽车销售服务", 300, 0.6, 25, 0.0),
    _I("F5265", 0.5, "加油站 石油销售 能源", 300, 0.7, 8, 0.0, None, 0.1),
    _I("F5281", 1.0, "五金 五金店 五金建材", 40, 0.5, 2, 0.0, None, 0.7),
    _I("F5292", 1.5, "电子商务 电商 网络科技", 80, 0.5, 3, 0.03, {"371625": 1.3, "371621": 1.2}, 0.3),
    # G 交通运输、仓储和邮政业
    _I("G5431", 2.0, "物流 运输 货运 汽车运输", 60, 1.5, 8, 0.0, None, 0.3),
    _I("G5435", 0.6, "危险品运输 化工物流 物流", 80, 1.5, 25, 0.0,
       {"371602": 1.5, "371625": 1.5, "371603": 1.5, "371623": 1.5}),
    _I("G5532", 0.1, "港务 港口 港业", 80, 4.0, 60, 0.02, {"371623": 10.0}),
    _I("G5821", 0.8, "国际货运代理 物流 货运代理", 100, 0.5, 5, 0.0),
    _I("G5920", 0.5, "仓储 物流园 仓储物流", 50, 2.0, 10, 0.0),
    _I("G6020", 0.6, "快递 速递 快运", 30, 0.8, 15, 0.0),
    # H 住宿和餐饮业
    _I("H6121", 0.5, "酒店 宾馆 商务酒店", 15, 1.5, 15, 0.0, None, 0.25),
    _I("H6210", 2.0, "餐饮 饭店 酒楼 餐饮管理", 12, 0.6, 10, 0.0, None, 0.5),
    _I("H6220", 1.0, "快餐 餐饮管理 餐饮服务", 12, 0.5, 6, 0.0, None, 0.6),
    _I("H6291", 0.8, "小吃 面馆 小吃店", 10, 0.4, 3, 0.0, None, 0.8),
    # I 信息传输、软件和信息技术服务业
    _I("I6513", 1.2, "软件 信息技术 网络科技 软件开发", 30, 0.8, 12, 0.6),
    _I("I6531", 0.8, "信息技术 智能科技 系统集成", 50, 0.8, 10, 0.5),
    _I("I6532", 0.5, "物联网 智能科技 物联科技", 40, 0.8, 10, 0.6),
    _I("I6550", 0.3, "数据科技 云计算 大数据", 40, 1.5, 10, 0.5, {"371602": 1.5}),
    _I("I6560", 0.5, "信息咨询 数字科技 信息技术", 30, 0.7, 6, 0.35),
    _I("I6431", 0.3, "网络科技 互联网科技 网络", 40, 0.8, 8, 0.4),
    # J 金融业
    _I("J6635", 0.2, "小额贷款", 100, 8.0, 12, 0.0),
    _I("J6631", 0.15, "融资租赁", 150, 10.0, 10, 0.0),
    _I("J6731", 0.2, "创业投资 股权投资", 100, 10.0, 5, 0.0),
    # K 房地产业
    _I("K7010", 1.0, "置业 房地产开发 地产", 100, 5.0, 20, 0.0),
    _I("K7020", 1.2, "物业 物业服务 物业管理", 8, 0.6, 30, 0.0),
    _I("K7030", 0.5, "房产经纪 房地产经纪 房产", 15, 0.4, 4, 0.0, None, 0.3),
    # L 租赁和商务服务业
    _I("L7111", 0.3, "汽车租赁 租赁", 40, 3.0, 4, 0.0),
    _I("L7212", 1.0, "投资 资产管理 投资管理", 50, 3.0, 4, 0.0),
    _I("L7224", 0.8, "供应链管理 供应链", 200, 0.5, 6, 0.0),
    _I("L7241", 0.5, "财务咨询 会计服务 税务师事务所", 15, 0.5, 6, 0.0),
    _I("L7243", 1.0, "企业管理咨询 咨询服务 管理咨询", 20, 0.6, 4, 0.0),
    _I("L7259", 1.0, "广告 文化传媒 广告传媒", 20, 0.6, 4, 0.01, None, 0.3),
    _I("L7263", 0.6, "人力资源 劳务服务 人力资源服务", 5, 0.3, 20, 0.0),
    _I("L7281", 0.2, "会展服务 会展", 30, 0.5, 5, 0.0),
    _I("L7296", 0.2, "融资担保 担保", 60, 6.0, 10, 0.0),
    _I("L7299", 1.2, "商务服务 企业服务 商务信息咨询", 20, 0.6, 3, 0.0, None, 0.1),
    # M 科学研究和技术服务业
    _I("M7320", 0.5, "科技 技术研究院 新材料科技 工业技术研究院", 30, 1.2, 10, 0.75),
    _I("M7452", 0.5, "检测 检验检测 检测技术", 30, 1.2, 15, 0.4),
    _I("M7484", 0.6, "工程设计 建筑设计 规划设计", 25, 0.7, 12, 0.25),
    _I("M7513", 0.4, "新材料科技 材料科技", 40, 1.0, 6, 0.55),
    _I("M7514", 0.3, "节能科技 环保科技 能源科技", 40, 1.0, 6, 0.45),
    _I("M7519", 0.8, "科技 科技发展 技术服务", 30, 0.8, 4, 0.35),
    # N 水利、环境和公共设施管理业
    _I("N7721", 0.3, "环保工程 水处理 环境工程", 50, 1.2, 10, 0.2),
    _I("N7724", 0.2, "环保 环境科技 固废处置", 80, 1.5, 20, 0.25),
    _I("N7820", 0.3, "环境卫生 保洁服务 环卫", 8, 0.5, 20, 0.0),
    _I("N7840", 0.3, "园林绿化 园林 绿化工程", 30, 1.0, 8, 0.0),
    # O 居民服务、修理和其他服务业
    _I("O8010", 0.6, "家政服务 家政 家庭服务", 8, 0.3, 6, 0.0, None, 0.4),
    _I("O8040", 1.2, "美容美发 美业 理发店", 10, 0.4, 3, 0.0, None, 0.75),
    _I("O8111", 1.0, "汽车维修 汽修 汽车服务", 20, 0.6, 4, 0.0, None, 0.6),
    # P 教育; Q 卫生和社会工作; R 文化、体育和娱乐业
    _I("P8391", 0.6, "职业培训 培训学校 职业技能培训", 10, 0.8, 10, 0.0),
    _I("P8393", 0.5, "艺术培训 文化艺术 教育咨询", 8, 0.6, 6, 0.0, None, 0.2),
    _I("Q8425", 0.4, "诊所 门诊部 医疗", 20, 1.0, 8, 0.0, None, 0.3),
    _I("Q8514", 0.4, "养老服务 康养 颐养中心", 10, 2.0, 15, 0.0),
    _I("R8930", 0.5, "健身 体育文化 健身服务", 10, 1.2, 6, 0.0, None, 0.3),
    _I("R9013", 0.3, "网咖 网络会所", 15, 1.0, 5, 0.0, None, 0.5),
)

# Suffixes of individual businesses' names (the 组织形式 of 个体工商户 is a shop word, not 公司).
# Names of individual businesses (the 组织形式 of 个体工商户 is a shop word, not 公司): per class the
# shop words to choose from; farming ones take an industry word and one of FARM_WORDS.
SHOP_NAMES = {
    "E5012": "装饰部 装修队", "F5119": "农产品经营部 农资门市部", "F5165": "建材经营部 建材门市部",
    "F5172": "汽配商店 汽配门市部", "F5212": "超市 购物中心", "F5213": "便利店 便民超市", "F5221": "粮油店",
    "F5223": "果蔬店 水果店", "F5224": "鲜肉店 水产店", "F5251": "药店 大药房", "F5265": "加油站",
    "F5281": "五金店 五金建材门市部", "F5292": "网店 电子商务经营部", "G5431": "运输部 货运部",
    "H6121": "宾馆 旅馆", "H6210": "饭店 菜馆 酒家", "H6220": "快餐店", "H6291": "小吃店 面馆 包子铺",
    "K7030": "房产信息部", "L7259": "广告部 图文设计部", "L7299": "商务服务部", "O8010": "家政服务部",
    "O8040": "理发店 美发店 美容院", "O8111": "汽修店 汽车维修部", "P8393": "艺术培训部", "Q8425": "诊所",
    "R8930": "健身馆", "R9013": "网吧",
}
FARM_WORDS = ("家庭农场", "种养殖场", "专业户")

# Characters for 字号 (trade names): two or three of them, the way real Binzhou names are made.
ZIHAO_CHARS = (
    "鑫华盛泰鸿恒润丰宏源达信诚金海天瑞德嘉博利兴裕隆祥锦昌正安和康明宇晟航远通汇万中鼎众创新科泽悦铭"
    "冠弘益佳富旺顺豪凯腾飞龙辉宝元福喜乐鹏程志成永久长青阳光蓝绿渤齐鲁泓浩洋森林岳峰玉晶亿诺维尚品优"
    "卓越东方圣舜禾田之美景"
)
PERSON_SURNAMES = "王张李刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"

INTERESTS = ("financing", "tax_relief", "talent", "innovation", "export", "digital", "land", "energy",
             "employment")
INTEREST_COUNT_WEIGHTS = (25, 35, 25, 15)   # 0, 1, 2 or 3 interests
ENERGY_DIVISIONS = frozenset({"C25", "C26", "C30", "C31", "C32"})

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)       # GB 11714 organisation code check digit
_ORG_VALUE = {char: value for value, char in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_OLD_SPACE = 10 ** 8            # 8-digit organisation codes issued before the USCC
_NEW_SPACE = 31 ** 6            # "MA" + 6 characters issued with the USCC since October 2015
_OLD_FACTOR = 73_856_093        # coprime to 10**8: i -> (a*i + b) mod m is a bijection
_NEW_FACTOR = 19_349_663        # coprime to 31
USCC_START = date(2015, 10, 1)
ZOUPING_RENAMED = date(2019, 1, 1)   # 邹平县 (371626) became 邹平市 (371681)


def _org_check(body8: str) -> str:
    remainder = 11 - sum(map(operator.mul, map(_ORG_VALUE.__getitem__, body8), _ORG_WEIGHTS)) % 11
    return "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)


def _base31(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 31)
        chars.append(USCC_ALPHABET[digit])
    return "".join(reversed(chars))


def make_uscc(index: int, seed: int, individual: bool, division: str, registered_on: date) -> str:
    """A GB 32100-2015 code, unique per `index` (below 10**8) for one seed.

    91/92 (市场监管, enterprise / individual business), the registering division, then the
    organisation code: the old 8-digit code for enterprises registered before the USCC, or the
    "MA" code issued since; both bijective in `index`, so distinct indexes give distinct codes.
    """
    kind = "92" if individual else "91"
    if registered_on < USCC_START and not individual:
        number = (_OLD_FACTOR * index + 12_345_677 * (seed + 1)) % _OLD_SPACE
        body8 = f"{number:08d}"
    else:
        number = (_NEW_FACTOR * index + 7_654_321 * (seed + 1)) % _NEW_SPACE
        body8 = "MA" + _base31(number, 6)
    return complete(kind + division + body8 + _org_check(body8))


class _Chooser:
    """Weighted choice by one uniform draw and a bisection over cumulative weights."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


_COUNTY = _Chooser(tuple(COUNTY_WEIGHTS), tuple(COUNTY_WEIGHTS.values()))
_INDUSTRY_BY_COUNTY = {
    county: _Chooser(INDUSTRIES, [industry.weight * industry.counties.get(county, 1.0) for industry in INDUSTRIES])
    for county in COUNTY_WEIGHTS
}
# Registration year: the stock of enterprises grows about 11% a year (new registrations, fewer closures).
_YEARS = tuple(range(FIRST_YEAR, TODAY.year + 1))
_YEAR = _Chooser(_YEARS, [math.exp(0.11 * (year - FIRST_YEAR)) * (
    (LATEST_REGISTRATION - date(year, 1, 1)).days + 1 if year == TODAY.year else 365) / 365 for year in _YEARS])
_YEAR_INDIVIDUAL = _Chooser(_YEARS, [math.exp(0.2 * (year - FIRST_YEAR)) * (
    (LATEST_REGISTRATION - date(year, 1, 1)).days + 1 if year == TODAY.year else 365) / 365 for year in _YEARS])
_INTEREST_COUNT = _Chooser((0, 1, 2, 3), INTEREST_COUNT_WEIGHTS)


def _ownership_chooser(section: str) -> _Chooser:
    weights = list(OWNERSHIP_WEIGHTS)
    weights[1] *= STATE_HEAVY.get(section, 1.0)
    weights[2] *= COLLECTIVE_HEAVY.get(section, 1.0)
    weights[3] *= FOREIGN_HEAVY.get(section, 0.4)
    weights[4] *= FOREIGN_HEAVY.get(section, 0.4)
    return _Chooser(OWNERSHIPS, weights)


_OWNERSHIP_BY_SECTION = {industry.section: _ownership_chooser(industry.section) for industry in INDUSTRIES}


def _registered_on(rng: random.Random, individual: bool) -> date:
    year = (_YEAR_INDIVIDUAL if individual else _YEAR)(rng)
    day = date(year, 1, 1) + timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
    return min(day, LATEST_REGISTRATION)


def _employees(rng: random.Random, industry: _Industry, ownership: str, age: float) -> int:
    if ownership == "individual_business":
        return min(8, 1 + int(math.exp(rng.gauss(-0.3, 0.9))))  # the owner alone, or a few helpers
    if rng.random() < 0.015:
        return 0                                                # shells and holding companies
    median = industry.median_employees * OWNERSHIP_SIZE[ownership] * min(2.5, 0.35 + 0.2 * age ** 0.8)
    employees = round(math.exp(rng.gauss(math.log(median), 1.05)))
    return max(1, min(employees, 30_000))


def _high_tech_floor(revenue: float) -> float:
    """The R&D intensity 高新技术企业 must reach (国科发火〔2016〕32号): 5%, 4% or 3% by revenue."""
    if revenue < 50_000_000:
        return 0.05
    if revenue < 200_000_000:
        return 0.04
    return 0.03


def _qualifications(rng: random.Random, industry: _Industry, employees: int, revenue: float,
                    assets: float, age: float) -> tuple[list[str], float]:
    """Qualifications of an enterprise doing R&D, and the least R&D intensity they imply."""
    held: list[str] = []
    floor = 0.0
    manufacturing = industry.section == "C"
    sme = employees < 1000 and revenue < 400_000_000
    if age >= 1 and rng.random() < (0.42 if employees >= 10 else 0.18):
        held.append("high_tech_enterprise")
        floor = _high_tech_floor(revenue)
    if employees <= 500 and revenue <= 200_000_000 and assets <= 200_000_000 and rng.random() < 0.85:
        held.append("tech_sme")
        floor = max(floor, 0.02)
    if sme and employees >= 10 and age >= 2 and rng.random() < (0.5 if manufacturing else 0.28):
        held.append("specialized_sme")
        floor = max(floor, 0.03)
        if manufacturing and revenue >= 10_000_000 and age >= 3 and rng.random() < 0.3:
            held.append("little_giant")
    if 2 <= age <= 12 and revenue >= 5_000_000 and rng.random() < 0.11:
        held.append("gazelle")
    return held, floor


def _interests(rng: random.Random, industry: _Industry, employees: int, has_rd: bool) -> list[str]:
    count = _INTEREST_COUNT(rng)
    if not count:
        return []
    division = industry.code[:3]
    weights = [
        3.0,                                                            # financing
        2.5,                                                            # tax_relief
        1.5 * (2.0 if employees >= 50 else 1.0),                        # talent
        1.0 * (4.0 if has_rd else 1.0),                                 # innovation
        0.4 * (5.0 if industry.section == "C" or division in ("F51", "G55", "G58") else 1.0),  # export
        1.0 * (2.5 if industry.section == "I" else 1.0),                # digital
        0.4 * (3.0 if industry.section == "C" and employees >= 50 else 1.0),                   # land
        0.3 * (5.0 if division in ENERGY_DIVISIONS or industry.section == "D" else 1.0),       # energy
        1.2 * (1.5 if employees >= 20 else 1.0),                        # employment
    ]
    chosen: list[str] = []
    for _ in range(count):              # weighted sampling without replacement
        pick = rng.random() * sum(weights)
        open_spots = [spot for spot, weight in enumerate(weights) if weight > 0]
        position = open_spots[-1]       # if rounding leaves `pick` at 0, the last one still open
        for spot in open_spots:
            pick -= weights[spot]
            if pick < 0:
                position = spot
                break
        chosen.append(INTERESTS[position])
        weights[position] = 0.0
    return sorted(chosen)


def _name(rng: random.Random, industry: _Industry, county: str, ownership: str, employees: int,
          taken: set[str]) -> str:
    for attempt in range(12):
        length = 2 if attempt < 6 else 3
        zihao = "".join(rng.choice(ZIHAO_CHARS) for _ in range(length))
        word = rng.choice(industry.words)
        if ownership == "individual_business":
            if industry.code in SHOP_NAMES:
                shop = rng.choice(SHOP_NAMES[industry.code].split())
            else:
                shop = word + rng.choice(FARM_WORDS)
            if rng.random() < 0.3:
                zihao = rng.choice(PERSON_SURNAMES) + "记"
            name = f"{COUNTY_NAMES[county]}{zihao}{shop}"
        else:
            roll = rng.random()
            suffix = "股份有限公司" if employees >= 300 and rng.random() < 0.5 else "有限公司"
            if ownership in ("foreign_invested", "hmt_invested") and roll < 0.6:
                name = f"{zihao}（滨州）{word}{suffix}"
            elif employees >= 200 and roll < 0.4:
                name = f"山东{zihao}{word}{suffix}"
            elif roll < 0.55:
                name = f"滨州{zihao}{word}{suffix}"
            elif roll < 0.75:
                name = f"滨州市{zihao}{word}{suffix}"
            else:
                name = f"{COMPANY_PLACES[county]}{zihao}{word}{suffix}"
        if name not in taken:
            taken.add(name)
            return name
    taken.add(name)
    return name


def _money(value: float) -> float:
    return round(value, 2)


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` enterprise profiles, the same for the same `seed`; USCCs unique up to 10**8 profiles.

    Profiles are plain JSON-ready dicts (dates as ISO strings) for `EnterpriseProfile.model_validate`.
    Fields an enterprise has no data for are absent: no tax data for the newest, no rd_expense
    without R&D, no qualifications or interests when it has none.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if count > _OLD_SPACE:
        raise ValueError(f"at most {_OLD_SPACE} profiles per seed keep USCCs unique")
    rng = random.Random(seed)
    taken: set[str] = set()
    profiles: list[dict[str, Any]] = []
    gauss, exp = rng.gauss, math.exp
    for index in range(count):
        county = _COUNTY(rng)
        industry: _Industry = _INDUSTRY_BY_COUNTY[county](rng)
        individual = rng.random() < industry.individual_share
        ownership = "individual_business" if individual else _OWNERSHIP_BY_SECTION[industry.section](rng)
        registered_on = _registered_on(rng, individual)
        days = (TODAY - registered_on).days
        age = days / 365.25
        employees = _employees(rng, industry, ownership, age)
        code = industry.code
        if len(code) == 5 and rng.random() < 0.12:
            code = code[:4]          # some registrations carry only the 中类 (3-digit group)

        profile: dict[str, Any] = {
            "uscc": "",
            "name": "",
            "registered_on": registered_on.isoformat(),
            "ownership": ownership,
            "industry_code": code,
            "county": county,
            "employees": employees,
        }
        has_rd = False
        if days >= NO_TAX_YEAR_DAYS:
            revenue = max(employees, 0.5) * industry.revenue_per_employee * exp(gauss(0.0, 0.6))
            if age < 1:
                revenue *= max(0.05, age)        # a first, partial year
            revenue = min(revenue, MAX_REVENUE)
            assets = revenue * industry.asset_ratio * exp(gauss(0.0, 0.5)) + 30_000 * exp(gauss(0.0, 1.0))
            profile["annual_revenue"] = _money(revenue)
            profile["total_assets"] = _money(assets)
            rd_chance = industry.rd_share * (0.5 if employees < 3 else 1.7 if employees >= 50 else 1.15)
            if not individual and rng.random() < rd_chance:
                has_rd = True
                intensity = min(0.35, max(0.002, exp(gauss(LOG_TYPICAL_INTENSITY, 0.7))))
                qualifications, floor = _qualifications(rng, industry, employees, revenue, assets, age)
                if floor and intensity < floor:
                    intensity = floor * (1.0 + rng.random() * 0.6)
                profile["rd_expense"] = _money(revenue * intensity)
                if qualifications:
                    profile["qualifications"] = sorted(qualifications)
        interests = _interests(rng, industry, employees, has_rd)
        if interests:
            profile["interests"] = interests
        profile["status"] = Status.active.value

        division = "371600" if not individual and rng.random() < 0.15 else county
        if division == "371681" and registered_on < ZOUPING_RENAMED:
            division = "371626"
        profile["uscc"] = make_uscc(index, seed, individual, division, registered_on)
        profile["name"] = _name(rng, industry, county, ownership, employees, taken)
        profile["contact_phone"] = contact_phone(profile["uscc"])
        profiles.append(profile)
    return profiles


# the mobile prefixes a synthetic contact's number starts with (China Mobile, Unicom, Telecom ranges)
_PHONE_PREFIXES = ("135", "136", "138", "139", "150", "152", "157", "158", "186", "187", "189", "199")


def contact_phone(uscc: str) -> str:
    """The registered contact's mobile number (contract section 1), made from the USCC and not from the
    random stream, so the other fields of every profile stay what they were before numbers existed."""
    digest = hashlib.sha256(uscc.encode("ascii")).digest()
    number = int.from_bytes(digest[:8], "big")
    return _PHONE_PREFIXES[number % len(_PHONE_PREFIXES)] + f"{number // len(_PHONE_PREFIXES) % 10**8:08d}"


# Which government source publishes which profile fields (contract section 1: partial profiles).
SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("market-regulation", ("name", "registered_on", "ownership", "industry_code", "county", "status",
                           "contact_phone")),
    ("tax", ("annual_revenue", "total_assets", "rd_expense")),
    ("human-resources", ("employees",)),
    ("science-bureau", ("qualifications",)),
    ("self", ("interests",)),
)


def split_by_source(profile: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """How one profile's fields arrive: (source, partial profile with uscc) per source that knows any.

    market-regulation comes first (it registers the enterprise); a source with none of its fields
    in the profile is left out.
    """
    parts: list[tuple[str, dict[str, Any]]] = []
    for source, fields in SOURCES:
        partial = {field: profile[field] for field in fields if field in profile}
        if partial:
            parts.append((source, {"uscc": profile["uscc"], **partial}))
    return parts


__all__ = ["INDUSTRIES", "SOURCES", "TODAY", "contact_phone", "generate", "make_uscc", "split_by_source"]
