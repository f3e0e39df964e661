"""Write the small multilingual PAWS-X-style sample bundled with allennlp-xfuse.

The pairs are written for this project from hand-made templates; none comes from PAWS-X. Like
PAWS-X, every pair has high word overlap:

- label 1 (paraphrase): the same facts in another construction (clauses reordered, passive or
  converse verb: "A defeated B" / "B lost to A");
- label 0 (non-paraphrase): two entities of the first sentence swap roles ("A moved from X to Y" /
  "A moved from Y to X"), either in the same construction (identical bag of words) or in another
  one, so neither word overlap nor word order alone decides the label.

Like the real dev/test splits, the non-English files are "translations" of the English ones: the
pair with a given id encodes the same template, roles and label in every language (with
localized names and places). Output layout is the official release's:
`<out>/pawsx/<lang>/{train,dev_2k,test_2k}.tsv`, header `id sentence1 sentence2 label`.

    python scripts/make_sample.py [--out-dir allennlp_xfuse/data/sample] [--seed 13]

Deterministic for a seed; the committed sample is the output of the default arguments.
"""
import argparse
import random
import string
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES

# (split, number of pairs in English, number of pairs in every other language). Non-English
# files hold the first pairs of the English split, with the same ids.
# 720 training pairs: with 240, the tiny model of `allennlp xfuse-tiny-model` memorizes the
# training set and stays at chance on dev; with 720 it reaches about 0.75 dev accuracy in a
# few epochs (20 s on a CPU), which keeps the demo meaningful.
SPLITS = (("train", 720, 0), ("dev_2k", 60, 30), ("test_2k", 60, 60))

# Share of non-paraphrases written in the same construction as sentence1 (pure word swaps);
# the others swap roles across constructions, which only a model of who-did-what catches.
SAME_FORM_SWAP_RATE = 0.7
# Values of the "year" and "n" (a number of years) slots. Few years, so that a small model
# learns from structure rather than memorizing numbers.
YEARS = range(1990, 2002)
NUMBERS = range(2, 10)

# Fillers are aligned by index across languages: person 3 is the same "character" everywhere.
FILLERS: Dict[str, Dict[str, List[str]]] = {
    "en": {
        "person": ["John Miller", "Sarah Collins", "David Brooks", "Emma Turner", "Michael Hayes",
                   "Laura Bennett", "James Porter", "Alice Morgan", "Robert Hughes",
                   "Helen Carter", "Thomas Reid", "Grace Walker"],
        "city": ["London", "Boston", "Chicago", "Dublin", "Sydney", "Toronto", "Glasgow",
                 "Denver", "Seattle", "Bristol", "Leeds", "Melbourne"],
        "club": ["Leeds United", "Aston Villa", "Celtic", "Everton", "Fulham", "Norwich City",
                 "Hull City", "Stoke City"],
    },
    "de": {
        "person": ["Klaus Weber", "Anna Schmidt", "Jürgen Becker", "Monika Wagner",
                   "Stefan Hoffmann", "Petra Schulz", "Markus Richter", "Sabine Koch",
                   "Thomas Bauer", "Ute Klein", "Felix Wolf", "Lena Neumann"],
        "city": ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Dresden",
                 "Leipzig", "Bremen", "Hannover", "Wien", "Zürich"],
        "club": ["Werder Bremen", "Schalke 04", "Hertha BSC", "Borussia Dortmund",
                 "Hamburger SV", "VfB Stuttgart", "1. FC Köln", "Eintracht Frankfurt"],
    },
    "es": {
        "person": ["Carlos Ruiz", "María López", "Javier Torres", "Lucía Romero",
                   "Miguel Navarro", "Elena Castro", "Pablo Ortega", "Carmen Molina",
                   "Diego Herrera", "Isabel Vega", "Andrés Rubio", "Sofía Méndez"],
        "city": ["Madrid", "Sevilla", "Valencia", "Bilbao", "Málaga", "Zaragoza", "Granada",
                 "Toledo", "Lima", "Bogotá", "Quito", "Rosario"],
        # Used with the article ("el Sevilla", "del Betis"), as Spanish does for clubs.
        "club": ["Sevilla", "Valencia", "Betis", "Getafe", "Villarreal", "Osasuna", "Celta",
                 "Espanyol"],
    },
    "fr": {
        # Consonant-initial names and places only: "que", "de", "le" need no elision.
        "person": ["Jean Dupont", "Claire Martin", "Pierre Lefèvre", "Sophie Bernard",
                   "Luc Moreau", "Julie Garnier", "Marc Fontaine", "Nathalie Roux",
                   "Denis Lambert", "Camille Perrin", "Paul Girard", "Manon Faure"],
        "city": ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Nantes", "Strasbourg",
                 "Lille", "Genève", "Bruxelles", "Montréal", "Rennes"],
        "club": ["FC Nantes", "RC Lens", "Stade rennais", "FC Lorient", "Stade brestois",
                 "Toulouse FC", "FC Metz", "SM Caen"],
    },
    "ja": {
        "person": ["田中健一", "佐藤美咲", "鈴木大輔", "高橋陽子", "伊藤翔太", "渡辺真理",
                   "山本拓海", "中村さくら", "小林直樹", "加藤彩", "吉田誠", "山田花子"],
        "city": ["東京", "大阪", "京都", "名古屋", "札幌", "福岡", "神戸", "仙台", "広島", "横浜",
                 "長崎", "金沢"],
        "club": ["鹿島アントラーズ", "浦和レッズ", "ガンバ大阪", "横浜F・マリノス",
                 "川崎フロンターレ", "名古屋グランパス", "サンフレッチェ広島", "ジュビロ磐田"],
    },
    "ko": {
        "person": ["김민수", "이준혁", "박서연", "최지우", "정하늘", "강도윤", "윤서준", "임수빈",
                   "한지민", "오세훈", "장미래", "조은비"],
        "city": ["서울", "부산", "대구", "인천", "광주", "대전", "울산", "수원", "전주", "청주",
                 "춘천", "목포"],
        "club": ["전북 현대", "울산 현대", "FC 서울", "수원 삼성", "포항 스틸러스",
                 "제주 유나이티드", "강원", "성남"],
    },
    "zh": {
        "person": ["王伟", "李娜", "张磊", "刘洋", "陈静", "杨帆", "赵敏", "黄涛", "周杰", "吴芳",
                   "徐明", "孙丽"],
        "city": ["北京", "上海", "广州", "深圳", "成都", "杭州", "南京", "武汉", "西安", "重庆",
                 "天津",
                 "苏州"],
        "club": ["上海申花", "北京国安", "山东泰山", "广州队", "天津津门虎", "河南队", "长春亚泰",
                 "浙江队"],
    },
}


@dataclass(frozen=True)
class Template:
    """
    One fact with two swappable roles. `slots` maps a slot to its filler kind ("person", "city",
    "club", "year", "n"); `swap` names the two slots a non-paraphrase exchanges; `forms` maps a
    language to constructions that all state the same fact.
    """

    name: str
    slots: Dict[str, str]
    swap: Tuple[str, str]
    forms: Dict[str, Sequence[str]]


# Korean particles depend on the last syllable of the word they follow; "{x:은/는}" picks the
# form, see JosaFormatter. Other languages use plain "{x}".
TEMPLATES = (
    Template("move", {"p": "person", "a": "city", "b": "city", "y": "year"}, ("a", "b"), {
        "en": ["{p} moved from {a} to {b} in {y}.", "In {y}, {p} moved from {a} to {b}.",
               "In {y}, {p} left {a} and settled in {b}.", "{p} left {a} for {b} in {y}."],
        "de": ["{p} zog {y} von {a} nach {b}.", "Im Jahr {y} zog {p} von {a} nach {b}.",
               "{y} verließ {p} {a} und ließ sich in {b} nieder."],
        "es": ["{p} se mudó de {a} a {b} en {y}.", "En {y}, {p} se trasladó de {a} a {b}.",
               "En {y}, {p} dejó {a} y se estableció en {b}."],
        "fr": ["En {y}, {p} déménage de {a} à {b}.", "{p} quitte {a} pour {b} en {y}.",
               "{p} s'installe à {b} en {y}, après avoir quitté {a}."],
        "ja": ["{p}は{y}年に{a}から{b}へ引っ越した。", "{y}年、{p}は{a}を離れて{b}に移り住んだ。",
               "{p}が{a}から{b}に移ったのは{y}年のことである。"],
        "ko": ["{p:은/는} {y}년에 {a}에서 {b:으로/로} 이사했다.",
               "{y}년 {p:은/는} {a:을/를} 떠나 {b:으로/로} 옮겨 갔다.",
               "{p:이/가} {a}에서 {b:으로/로} 이주한 것은 {y}년이다."],
        "zh": ["{p}于{y}年从{a}搬到了{b}。", "{y}年，{p}离开{a}，迁居{b}。",
               "{p}在{y}年由{a}迁往{b}。"],
    }),
    Template("final", {"a": "person", "b": "person", "y": "year"}, ("a", "b"), {
        "en": ["{a} defeated {b} in the {y} final.", "{b} lost to {a} in the {y} final.",
               "In the {y} final, {a} beat {b}.", "{b} was defeated by {a} in the final of {y}."],
        "de": ["{a} besiegte {b} im Finale von {y}.", "{b} verlor das Finale von {y} gegen {a}.",
               "Im Finale von {y} gewann {a} gegen {b}."],
        "es": ["{a} derrotó a {b} en la final de {y}.", "{b} perdió contra {a} en la final de {y}.",
               "En la final de {y}, {a} venció a {b}."],
        "fr": ["{a} a battu {b} en finale en {y}.",
               "{b} a perdu contre {a} lors de la finale de {y}.",
               "En finale en {y}, {a} l'a emporté sur {b}."],
        "ja": ["{a}は{y}年の決勝で{b}を破った。", "{b}は{y}年の決勝で{a}に敗れた。",
               "{y}年の決勝では{a}が{b}に勝利した。"],
        "ko": ["{a:은/는} {y}년 결승에서 {b:을/를} 꺾었다.",
               "{b:은/는} {y}년 결승에서 {a}에게 패했다.",
               "{y}년 결승에서는 {a:이/가} {b:을/를} 이겼다."],
        "zh": ["{a}在{y}年的决赛中击败了{b}。", "{b}在{y}年的决赛中输给了{a}。",
               "{y}年决赛，{a}战胜了{b}。"],
    }),
    Template("mayor", {"a": "person", "b": "person", "c": "city", "y": "year"}, ("a", "b"), {
        "en": ["{a} succeeded {b} as mayor of {c} in {y}.",
               "In {y}, {b} was succeeded as mayor of {c} by {a}.",
               "{a} replaced {b} as mayor of {c} in {y}.",
               "In {y}, {a} took over from {b} as mayor of {c}."],
        # "Stadtoberhaupt", "alcaldía", "mairie": gender-neutral for every name.
        "de": ["{a} trat {y} die Nachfolge von {b} als Stadtoberhaupt von {c} an.",
               "{y} übernahm {a} von {b} das Amt des Stadtoberhaupts von {c}.",
               "Als Stadtoberhaupt von {c} folgte {a} im Jahr {y} auf {b}."],
        "es": ["{a} sucedió a {b} en la alcaldía de {c} en {y}.",
               "En {y}, {a} reemplazó a {b} al frente de la alcaldía de {c}.",
               "En {y}, la alcaldía de {c} pasó de {b} a {a}."],
        "fr": ["{a} succède à {b} à la mairie de {c} en {y}.",
               "En {y}, {a} remplace {b} à la tête de la mairie de {c}.",
               "En {y}, la mairie de {c} passe de {b} à {a}."],
        "ja": ["{a}は{y}年に{b}の後任として{c}の市長に就任した。",
               "{y}年、{c}の市長職は{b}から{a}に引き継がれた。",
               "{b}の後を継いで{c}の市長になったのは{a}で、{y}年のことだった。"],
        "ko": ["{a:은/는} {y}년 {b}의 뒤를 이어 {c} 시장이 되었다.",
               "{y}년 {c} 시장직은 {b}에게서 {a}에게로 넘어갔다.",
               "{y}년 {b}의 후임으로 {c} 시장에 취임한 사람은 {a:이었다/였다}."],
        "zh": ["{a}于{y}年接替{b}出任{c}市长。", "{y}年，{c}市长一职由{b}交给了{a}。",
               "{y}年，{a}继{b}之后成为{c}市长。"],
    }),
    Template("born", {"p": "person", "a": "city", "b": "city"}, ("a", "b"), {
        "en": ["{p} was born in {a} and died in {b}.", "Born in {a}, {p} died in {b}.",
               "{p}, who was born in {a}, died in {b}.",
               "{p} died in {b}, having been born in {a}."],
        "de": ["{p} wurde in {a} geboren und starb in {b}.",
               "Geboren in {a}, starb {p} später in {b}.",
               "{p} kam in {a} zur Welt und starb in {b}."],
        "es": ["{p} nació en {a} y murió en {b}.", "{p} murió en {b}, pero había nacido en {a}.",
               "{p} vino al mundo en {a} y falleció en {b}."],
        "fr": ["{p} naît à {a} et meurt à {b}.", "{p} voit le jour à {a} et meurt à {b}.",
               "C'est à {b} que meurt {p}, originaire de {a}."],
        "ja": ["{p}は{a}で生まれ、{b}で亡くなった。", "{a}出身の{p}は{b}で死去した。",
               "{p}が亡くなったのは{b}で、生まれは{a}である。"],
        "ko": ["{p:은/는} {a}에서 태어나 {b}에서 세상을 떠났다.",
               "{a} 출신인 {p:은/는} {b}에서 사망했다.",
               "{p:이/가} 태어난 곳은 {a}, 숨진 곳은 {b}이다."],
        "zh": ["{p}出生于{a}，逝世于{b}。", "{p}生于{a}，后来在{b}去世。",
               "{p}在{b}去世，其出生地是{a}。"],
    }),
    Template("transfer", {"p": "person", "a": "club", "b": "club", "y": "year"}, ("a", "b"), {
        "en": ["{p} joined {a} from {b} in {y}.", "In {y}, {p} left {b} to join {a}.",
               "{p} moved from {b} to {a} in {y}.", "{a} signed {p} from {b} in {y}."],
        "de": ["{p} wechselte {y} von {b} zu {a}.",
               "{y} verließ {p} den Verein {b} und schloss sich {a} an.",
               "{a} verpflichtete {p} im Jahr {y} von {b}."],
        "es": ["{p} fichó por el {a} procedente del {b} en {y}.",
               "En {y}, {p} dejó el {b} para incorporarse al {a}.",
               "El {a} fichó a {p} del {b} en {y}."],
        "fr": ["{p} rejoint le {a} en provenance du {b} en {y}.",
               "En {y}, {p} quitte le {b} pour rejoindre le {a}.",
               "Le {a} engage {p}, qui arrive du {b}, en {y}."],
        "ja": ["{p}は{y}年に{b}から{a}へ移籍した。", "{y}年、{p}は{b}を退団し、{a}に加入した。",
               "{a}は{y}年に{b}から{p}を獲得した。"],
        "ko": ["{p:은/는} {y}년 {b}에서 {a:으로/로} 이적했다.",
               "{y}년 {p:은/는} {b:을/를} 떠나 {a}에 입단했다.",
               "{a:은/는} {y}년 {b}에서 {p:을/를} 영입했다."],
        "zh": ["{p}于{y}年从{b}转会至{a}。", "{y}年，{p}离开{b}，加盟{a}。",
               "{a}在{y}年从{b}签下了{p}。"],
    }),
    Template("teacher", {"a": "person", "b": "person", "c": "city"}, ("a", "b"), {
        "en": ["{a} studied under {b} in {c}.", "In {c}, {b} taught {a}.",
               "{a} was a student of {b} in {c}.", "{b} was the teacher of {a} in {c}."],
        "de": ["{a} studierte in {c} bei {b}.", "In {c} nahm {a} Unterricht bei {b}.",
               "{a} lernte in {c} bei {b}."],
        "es": ["{a} estudió con {b} en {c}.", "En {c}, {b} le dio clases a {a}.",
               "{b} enseñó a {a} en {c}."],
        "fr": ["{a} étudie auprès de {b} à {c}.", "À {c}, {b} enseigne à {a}.",
               "{b} a formé {a} à {c}."],
        "ja": ["{a}は{c}で{b}に師事した。", "{c}で{b}は{a}を指導した。",
               "{b}は{c}で{a}の師であった。"],
        "ko": ["{a:은/는} {c}에서 {b}에게 배웠다.", "{c}에서 {b:은/는} {a:을/를} 가르쳤다.",
               "{b:은/는} {c}에서 {a}의 스승이었다."],
        "zh": ["{a}在{c}师从{b}。", "{b}在{c}教过{a}。", "在{c}，{b}是{a}的老师。"],
    }),
    Template("train", {"a": "city", "b": "city", "c": "city"}, ("b", "c"), {
        "en": ["The train runs from {a} to {b} via {c}.", "The train runs via {c} from {a} to {b}.",
               "Running from {a} to {b}, the train stops at {c} on the way.",
               "The train connects {a} with {b}, passing through {c}."],
        "de": ["Der Zug fährt von {a} über {c} nach {b}.",
               "Von {a} fährt der Zug über {c} bis nach {b}.",
               "Der Zug verbindet {a} mit {b} und hält unterwegs in {c}."],
        "es": ["El tren va de {a} a {b} pasando por {c}.",
               "El tren une {a} con {b} y para en {c} por el camino.",
               "Pasando por {c}, el tren circula de {a} a {b}."],
        "fr": ["Le train relie {a} à {b} en passant par {c}.", "Le train va de {a} à {b} via {c}.",
               "En passant par {c}, le train circule de {a} à {b}."],
        "ja": ["その列車は{a}から{c}を経由して{b}まで走る。",
               "{a}発{b}行きのその列車は{c}を経由する。",
               "その列車は{c}を通って{a}と{b}を結んでいる。"],
        "ko": ["그 열차는 {a}에서 {c:을/를} 거쳐 {b}까지 운행한다.",
               "{a}발 {b}행 열차는 {c:을/를} 경유한다.",
               "그 열차는 {c:을/를} 지나 {a}에서 {b:으로/로} 간다."],
        "zh": ["这趟列车从{a}出发，经{c}开往{b}。", "这趟列车途经{c}，由{a}驶往{b}。",
               "这趟列车经由{c}连接{a}和{b}。"],
    }),
    Template("age", {"a": "person", "b": "person", "n": "n"}, ("a", "b"), {
        "en": ["{a} is {n} years older than {b}.", "{b} is {n} years younger than {a}.",
               "{a} was born {n} years before {b}.", "{b} was born {n} years after {a}."],
        "de": ["{a} ist {n} Jahre älter als {b}.", "{b} ist {n} Jahre jünger als {a}.",
               "{a} wurde {n} Jahre vor {b} geboren."],
        "es": ["{a} es {n} años mayor que {b}.", "{b} es {n} años menor que {a}.",
               "{a} nació {n} años antes que {b}."],
        "fr": ["{a} a {n} ans de plus que {b}.", "{b} a {n} ans de moins que {a}.",
               "{b} a vu le jour {n} ans après {a}."],
        "ja": ["{a}は{b}より{n}歳年上である。", "{b}は{a}より{n}歳年下である。",
               "{a}は{b}の{n}年前に生まれた。"],
        "ko": ["{a:은/는} {b}보다 {n}살 많다.", "{b:은/는} {a}보다 {n}살 어리다.",
               "{a:은/는} {b}보다 {n}년 먼저 태어났다."],
        "zh": ["{a}比{b}大{n}岁。", "{b}比{a}小{n}岁。", "{a}比{b}早出生{n}年。"],
    }),
)


class JosaFormatter(string.Formatter):
    """
    `str.format` with Korean particle choice: `{x:은/는}` appends the first form when the value
    ends in a syllable with a final consonant (batchim), the second otherwise. For `으로/로` a
    final ㄹ also takes the second form, as Korean spelling requires.
    """

    def format_field(self, value, format_spec: str) -> str:
        if "/" not in format_spec:
            return super().format_field(value, format_spec)
        after_consonant, after_vowel = format_spec.split("/")
        last = str(value)[-1]
        if not "가" <= last <= "힣":
            raise ValueError(f"cannot choose a Korean particle after {value!r}")
        final = (ord(last) - ord("가")) % 28  # 0: no final consonant; 8: ㄹ
        use_second = final == 0 or (after_consonant == "으로" and final == 8)
        return f"{value}{after_vowel if use_second else after_consonant}"


@dataclass(frozen=True)
class PairSpec:
    """A language-independent pair: template, filler index per slot, label, construction."""

    template: Template
    fillers: Tuple[Tuple[str, int], ...]
    label: int
    same_form: bool


def _draw_spec(rng: random.Random, template: Template, label: int) -> PairSpec:
    chosen: Dict[str, int] = {}
    taken: Dict[str, List[int]] = {}
    for slot, kind in template.slots.items():
        if kind == "year":
            chosen[slot] = rng.choice(YEARS)
        elif kind == "n":
            chosen[slot] = rng.choice(NUMBERS)
        else:
            size = len(FILLERS["en"][kind])
            index = rng.choice([i for i in range(size) if i not in taken.get(kind, [])])
            taken.setdefault(kind, []).append(index)
            chosen[slot] = index
    same_form = label == 0 and rng.random() < SAME_FORM_SWAP_RATE
    return PairSpec(template, tuple(sorted(chosen.items())), label, same_form)


def _values(spec: PairSpec, language: str, swapped: bool) -> Dict[str, str]:
    values = {}
    for slot, index in spec.fillers:
        kind = spec.template.slots[slot]
        values[slot] = str(index) if kind in ("year", "n") else FILLERS[language][kind][index]
    if swapped:
        first, second = spec.template.swap
        values[first], values[second] = values[second], values[first]
    return values


def render(spec: PairSpec, language: str, rng: random.Random) -> Tuple[str, str]:
    """Writes the pair of `spec` in `language`; `rng` only picks the constructions."""
    forms = spec.template.forms[language]
    first = rng.randrange(len(forms))
    if spec.same_form:
        second = first
    else:
        second = rng.choice([i for i in range(len(forms)) if i != first])
    formatter = JosaFormatter()
    sentence1 = formatter.format(forms[first], **_values(spec, language, swapped=False))
    swapped = spec.label == 0
    sentence2 = formatter.format(forms[second], **_values(spec, language, swapped=swapped))
    return sentence1, sentence2


def draw_specs(rng: random.Random, count: int, seen: set) -> List[PairSpec]:
    """`count` new pairs, balanced labels, templates in turn; `seen` keeps splits disjoint."""
    labels = [1, 0] * (count // 2) + [1] * (count % 2)
    rng.shuffle(labels)
    specs = []
    for position, label in enumerate(labels):
        template = TEMPLATES[position % len(TEMPLATES)]
        while True:
            spec = _draw_spec(rng, template, label)
            key = (template.name, spec.fillers)
            if key not in seen:
                seen.add(key)
                specs.append(spec)
                break
    rng.shuffle(specs)
    return specs


def write_split(path: Path, rows: List[Tuple[int, str, str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("id\tsentence1\tsentence2\tlabel\n")
        for pair_id, sentence1, sentence2, label in rows:
            for text in (sentence1, sentence2):
                # The official layout is unquoted TSV: these characters would need quoting.
                assert not set(text) & set('\t\n\r"'), text
            assert sentence1 != sentence2, sentence1
            out.write(f"{pair_id}\t{sentence1}\t{sentence2}\t{label}\n")


def make_sample(out_dir: Path, seed: int = 13) -> List[Path]:
    """Writes every split of every language under `out_dir / "pawsx"`; returns the paths."""
    rng = random.Random(seed)
    seen: set = set()
    written = []
    for split, english_count, other_count in SPLITS:
        # Drawn in two parts so that the shorter non-English files are balanced too.
        specs = draw_specs(rng, other_count, seen) if other_count else []
        specs += draw_specs(rng, english_count - len(specs), seen)
        for language in PAWSX_LANGUAGES:
            count = english_count if language == "en" else other_count
            rows = []
            for pair_id, spec in enumerate(specs[:count], start=1):
                # Construction choice per (language, split, id): stable if other splits change.
                key = f"{seed}/{language}/{split}/{pair_id}".encode()
                sentence1, sentence2 = render(spec, language, random.Random(zlib.crc32(key)))
                rows.append((pair_id, sentence1, sentence2, spec.label))
            if rows:
                path = out_dir / "pawsx" / language / f"{split}.tsv"
                write_split(path, rows)
                written.append(path)
    return written


def main() -> None:
    default_out = Path(__file__).resolve().parents[1] / "allennlp_xfuse" / "data" / "sample"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=default_out)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    for path in make_sample(args.out_dir, args.seed):
        print(path)


if __name__ == "__main__":
    main()
