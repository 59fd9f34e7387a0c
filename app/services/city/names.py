"""Generated names in Chinese and English for demo areas and workers (deterministic)."""
from __future__ import annotations

import random

COMMUNITY_NAMES = [
    ("和平", "Heping"), ("幸福", "Xingfu"), ("光明", "Guangming"), ("友谊", "Youyi"),
    ("建设", "Jianshe"), ("新华", "Xinhua"), ("东风", "Dongfeng"), ("朝阳", "Chaoyang"),
    ("团结", "Tuanjie"), ("胜利", "Shengli"), ("春晖", "Chunhui"), ("长青", "Changqing"),
    ("安康", "Ankang"), ("锦绣", "Jinxiu"), ("滨河", "Binhe"), ("翠园", "Cuiyuan"),
    ("桃源", "Taoyuan"), ("明珠", "Mingzhu"), ("华苑", "Huayuan"), ("育才", "Yucai"),
]
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
            ("杨", "Yang"), ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"),
            ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
         ("丽", "Li"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
         ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"),
         ("霞", "Xia"), ("平", "Ping"), ("刚", "Gang"), ("华", "Hua"), ("红", "Hong")]


def community_name(index: int) -> tuple[str, str]:
    """The index-th community name; past the list, names get a number."""
    zh, en = COMMUNITY_NAMES[index % len(COMMUNITY_NAMES)]
    round_ = index // len(COMMUNITY_NAMES)
    suffix_zh, suffix_en = (f"{round_ + 1}", f" {round_ + 1}") if round_ else ("", "")
    return f"{zh}{suffix_zh}社区", f"{en}{suffix_en} Community"


def grid_name(community: tuple[str, str], number: int) -> tuple[str, str]:
    return f"{community[0]}第{number}网格", f"{community[1]} Grid {number}"


def person_name(rng: random.Random) -> tuple[str, str]:
    surname, given = rng.choice(SURNAMES), rng.sample(GIVEN, rng.choice((1, 2)))
    return (surname[0] + "".join(g[0] for g in given),
            "".join(g[1] for g in given).capitalize() + " " + surname[1])


def phone_number(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
