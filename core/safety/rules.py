"""The named rules, one per sign, for clinicians to review.

Each rule reads one view of the message (`tagging`): CONCEPTS (upper-case concept names,
`~NAME` for a negated one, `~?NAME` for either) or WORDS (the words, canonical spelling).
A pattern is a sequence of elements separated by spaces:

- a word, a concept or an alternation in brackets: `(want|wish)`, `(NUMB|WEAK)`;
  a trailing `?` makes an element optional: `(to)?`;
- `_{a,b}`: between a and b other words within the sentence;
- `*{a,b}`: between a and b other words, across sentences.

A rule matches when any of its patterns does, unless a pattern in `unless` is found in the
same sentence ("tripped on the kerb, no harm done"). A WORDS rule's match does not count
when "no", "not" or "never" comes just before it in the clause ("not in a dark place").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.safety.categories import Category

EMERGENCY, URGENT, CRISIS = Category.EMERGENCY, Category.URGENT, Category.CRISIS


class View(Enum):
    """Which string of the tagged message a rule reads."""

    CONCEPTS = "concepts"
    WORDS = "words"


@dataclass(frozen=True)
class Rule:
    """One named sign: the category it signposts and the patterns that find it."""

    name: str
    category: Category
    view: View
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()


def _c(name: str, category: Category, *patterns: str, unless: tuple[str, ...] = ()) -> Rule:
    return Rule(name, category, View.CONCEPTS, patterns, unless)


def _w(name: str, category: Category, *patterns: str) -> Rule:
    return Rule(name, category, View.WORDS, patterns)


_DRUGS = (
    "(pills|tablets|meds|medication|medicine|painkillers|codeine|tramadol|paracetamol|"
    "morphine|oxycodone|gabapentin|pregabalin|amitriptyline|sleeping pills|insulin|"
    "co codamol|cocodamol|them|my prescription)"
)
_FAMILY = (
    "(my|the) (kids|children|family|wife|husband|partner|son|daughter|sons|daughters|mum|dad|"
    "parents|grandchildren|grandkids|boys|girls|sister|brother)"
)
_ON_PURPOSE_NOUN = (
    "(hurt|hurting|cut|cutting|burn|burning|burned|burnt|punish|punishing|hit|hitting|punched|"
    "punching|scratched|scratching|harm|harming|bruised|bruising)"
)
# Places people go to end their lives, for "jumping off" or "driving to".
_PLACES = (
    "(the|a|that|this)? (bridge|bridges|train|bus|lorry|car|building|roof|cliff|cliffs|"
    "cliff edge|motorway|tracks|railway|railway line|train tracks|river|sea|traffic|car park|"
    "tower block|wall|multi storey|multistorey|multi story|high rise|balcony|platform|pier|"
    "viaduct|flyover|overpass|top floor|edge|beachy head|motorway bridge)"
)
# Cutting, burning or scratching oneself: the body part, and what says it was meant.
_SELF_HARM_VERB = (
    "(burned|burnt|burning|burn|cut|cutting|scratched|scratching|scratch|scraped|scraping|"
    "punched|punching|hit|hitting|bit|biting|scalded|scalding|carved|carving|slashed|slashing)"
)
_OWN_BODY = (
    "(my|me)? (arm|arms|wrist|wrists|leg|legs|thigh|thighs|skin|stomach|belly|hip|hips|"
    "face|hand|hands|chest|ankles|body)"
)
# Someone else's bladder, weight or fall is not the person's own sign.
_NOT_THEIR_BLADDER = (
    "OTHER_PERSON (s|has|had|got|have|is|was|keeps|kept)? (got|been)? _{0,1} (prostate|"
    "CANT|LOSE_CONTROL|INCONTINENT|BLADDER|URINATE|BOWEL)",
)
# Someone else's fall, one long ago, or one on the screen, is not a fall to signpost.
_NOT_THEIR_FALL = (
    "OTHER_PERSON (just|also|apparently|nearly|has|had|have)? "
    "(SERIOUS_FALL|FALL|had|has|was|got|is)",
    "MEDIA",
    "LONG_AGO",
)

RULES: tuple[Rule, ...] = (
    # --- Care now: call 999 or go to A&E.
    _c(
        "emergency.saddle_numbness",
        EMERGENCY,
        # "can't feel nothing down there": the double negative still means numb.
        "NUMB _{0,6} ~?SADDLE",
        "SADDLE _{0,6} NUMB",
        "CANT _{0,2} (feel|sense|feeling) _{0,6} ~?SADDLE",
        "SADDLE _{0,3} (feels|feel|feeling|felt|is|are|has|gone|went|seems) _{0,2} DIFFERENT",
        "DIFFERENT (sensation|sensations|feeling|feelings) _{0,4} SADDLE",
        # A numb bottom from a hard seat or a long ride is everyday.
        unless=(
            "(from|after) _{0,3} (sitting|sat|EXERCISE|bench|bike|saddle|seat|chair)",
            "(sat|sitting) _{0,2} (too long|for ages|for hours|all day|for a long time|on a hard)",
            "on (the|a) (long)? (drive|journey|flight|train|coach|car|ride)",
        ),
    ),
    _c(
        "emergency.numb_when_wiping",
        EMERGENCY,
        "NUMB _{0,6} WIPE",
        "DIFFERENT _{0,2} (when|while|as|if|after) _{0,2} WIPE",
        "WIPE _{0,6} (NUMB|DIFFERENT)",
        # The toilet seat or the paper not felt: "I can't feel the seat under me".
        "NUMB _{0,2} (the|a)? (seat|toilet seat|paper|tissue) (under|when|as|/|\\|)",
        "CANT (tell|feel|sense) (where|if) (the)? (seat|toilet seat|toilet|paper)",
        # Sitting on something that is not there: "like sitting on frozen peas but there isn't".
        "(like|feels like) _{0,3} (sitting|sat) on *{0,6} (but|when|though) (there|theres) "
        "(is|s)? NEG",
    ),
    _c(
        "emergency.cannot_pass_urine",
        EMERGENCY,
        "CANT _{0,4} ~?(URINATE|BLADDER)",
        "NEG _{0,4} ~?URINATE _{0,3} (since|for|all day|all night|all morning|all afternoon|in|"
        "today|yesterday|last|this|NIGHT)",
        "NEG _{0,3} ~?TOILET _{0,4} (since|for|all|in|today|yesterday|last|this|NIGHT)",
        # "Can't go." and "haven't been all day": said alone, it is the toilet that is meant.
        "CANT (go|pass) (/|\\||at all|all day|since|today)",
        "NEG been (/|\\||all day|at all|since|today|for (a|two|three|\\d+) (day|days))",
        "~?(URINATE|BLADDER) _{0,4} (NEG|CANT) _{0,2} (come|comes|coming|came|work|working|"
        "empty|emptying|start|starting|go|going|flow|flowing|out)",
        "(NEG|CANT) _{0,3} (urge|need|feeling|sensation) _{0,3} ~?URINATE",
        "~?URINATE _{0,3} (hard|difficult|slow|trickle|struggle|CANT)",
        "(URINATE|BLADDER|BOWEL) _{0,3} GIVEWAY",
        "(strain|straining|strained|push|pushing) _{0,2} (to)? ~?URINATE",
        "(retention|catheter)",
        # Trying and nothing: "when I try nothing happens", "trying to pee since 6am".
        "~?(URINATE|BLADDER|TOILET) *{0,10} NEG _{0,1} (happens|happened|happening|comes|came|"
        "coming|come|since|at all|all day|out)",
        "~?(URINATE|BLADDER|TOILET) *{0,10} (and|but) NEG (/|\\|)",
        "(try|trying|tried|tries|INTENT) (to)? ~?URINATE _{0,3} (since|for|all|NEG)",
        "~?(TOILET|URINATE|BLADDER) _{0,6} (strain|straining|strained)",
        "(bladder|tummy|belly|stomach) _{0,3} (full|bursting|swollen|SWELLING) *{0,10} "
        "(NEG|CANT) _{0,2} ~?URINATE",
        unless=_NOT_THEIR_BLADDER,
    ),
    _c(
        "emergency.bladder_or_bowel_sensation",
        EMERGENCY,
        "NUMB _{0,7} (URINATE|BLADDER|BOWEL|TOILET)",
        "(URINATE|BLADDER|BOWEL) _{0,5} NUMB",
        "CANT _{0,1} (tell|sense|know|feel) _{0,4} ~?(URINATE|BLADDER|BOWEL|TOILET)",
        "(NEG|so) _{0,1} (know|realise|realize|notice|noticed|realised|realized|feel|felt) "
        "_{0,4} ~?(URINATE|BOWEL)",
    ),
    _c(
        "emergency.bladder_or_bowel_control",
        EMERGENCY,
        "INCONTINENT",
        "LOSE_CONTROL _{0,4} ~?(URINATE|BLADDER|BOWEL|TOILET)",
        "(URINATE|BLADDER|BOWEL) _{0,4} LOSE_CONTROL",
        "(URINATE|BOWEL) myself",
        "CANT _{0,1} (stop|hold|control) _{0,2} ~?(BOWEL|URINATE|BLADDER)",
        "LOSE _{0,1} ~?(BLADDER|BOWEL) control",
        "(BLADDER|BOWEL) control _{0,2} (gone|LOSE|NEG)",
        "(BLADDER|BOWEL) (SERIOUS_FALL|FALL|INCONTINENT)",
        "SERIOUS_FALL _{0,3} (URINATE|BLADDER|BOWEL|TOILET|pants|knickers|trousers|bed)",
        "(URINATE|BOWEL|TOILET|INCONTINENT) _{0,2} (in)? (my|the|his|her)? (pants|knickers|"
        "trousers|underwear|bed|sleep|jeans|clothes)",
        "LOSE_CONTROL _{0,4} ~?SADDLE",
        "(wear|wearing|wore|need|needing|use|using|buying|bought) (a)? (pad|pads|nappy|"
        "nappies|pull ups|incontinence pads) *{0,8} (LOSE_CONTROL|INCONTINENT)",
        "(LOSE_CONTROL|INCONTINENT) *{0,8} (wear|wearing|wore|need|needing|use|using|buying|"
        "bought) (a)? (pad|pads|nappy|nappies|pull ups|incontinence pads)",
        "i am LOSE_CONTROL *{0,6} (NEG|so) _{0,1} (notice|noticed|noticing|know|knowing|feel|"
        "felt|feeling|realise|realised|realising)",
        "~?(URINATE|BOWEL|INCONTINENT|TOILET) _{0,6} NEG _{0,1} (knowing|realising|realizing|"
        "noticing|feeling|warning|meaning|control|realising it|noticing it)",
    ),
    # Going without knowing it: "I went and didn't know I'd gone".
    _w(
        "emergency.went_without_knowing",
        EMERGENCY,
        "(didnt know|did not know|didnt realise|didnt realize|didnt notice|didnt feel|"
        "had no idea|never knew|never felt) (that)? i (would|had|have|was)? (gone|been|done it) "
        "(/|\\||until|till|til)",
    ),
    # The broad reading: any trouble, leak or loss of control near a bladder or bowel word.
    _c(
        "emergency.bladder_or_bowel_trouble",
        EMERGENCY,
        "(CANT|LOSE_CONTROL|INCONTINENT) _{0,6} ~?(URINATE|BLADDER|BOWEL)",
        "~?(URINATE|BLADDER|BOWEL) _{0,6} (CANT|LOSE_CONTROL|INCONTINENT)",
        unless=_NOT_THEIR_BLADDER,
    ),
    _c(
        "emergency.sexual_dysfunction",
        EMERGENCY,
        "SEXDYS",
        "(CANT|NUMB) _{0,4} ~?SEXFN",
        "NEG ~SEXFN (anymore|any more|since|at all|now|/)",
        "SEXFN _{0,4} (CANT|NUMB|DIFFERENT|GIVEWAY|gone|stopped)",
        "NUMB _{0,5} SEX",
        "SEX _{0,5} NUMB",
        "SEX _{0,3} (feels|feel|felt|is|has) _{0,2} DIFFERENT",
    ),
    _c(
        "emergency.both_legs",
        EMERGENCY,
        "LEGS _{0,7} (WEAK|NUMB|GIVEWAY)",
        "(WEAK|NUMB|GIVEWAY) _{0,4} LEGS",
        "BOTH _{0,2} LEGS _{0,5} DIFFERENT",
        "LEGS _{0,4} (feel|feels|felt|feeling|are|gone|went|look|looks) _{0,4} DIFFERENT",
        "LEGS (just|suddenly|completely|both|have|had)? (went|gone) (/|\\||and|from|on|under)",
        "(CANT|NEG) _{0,1} (move|lift|feel|stand on|walk on|control) _{0,2} ~?LEGS",
        # One leg, then the other: "my left leg and now my right leg have both gone numb".
        "(left|right|one) (leg|foot|side) *{0,8} (left|right|other) (leg|foot|one|side) *{0,6} "
        "(WEAK|NUMB|GIVEWAY|DIFFERENT)",
        "(WEAK|NUMB|GIVEWAY) _{0,6} (left|right|one) (leg|foot) _{0,4} (left|right|other) "
        "(leg|foot|one)",
        "(BOTH|LEGS) _{0,2} (gone|went|going|are|feel|feels|felt) _{0,2} (WEAK|NUMB|GIVEWAY)",
        # Feet that slap or drag: "my feet slap the floor and I can't lift them".
        "(slap|slapping|slaps|drag|dragging|drags|flop|flopping) *{0,6} CANT (lift|raise) "
        "_{0,2} (them|it|BOTH)",
        "LEGS _{0,6} CANT (lift|raise|move) _{0,2} (them|it) *{0,3} BOTH",
        "(left|right|one) (leg|foot) (went|gone|goes|has gone|GIVEWAY|WEAK|NUMB) *{0,4} "
        "(left|right|other) (leg|foot|one|/|\\||too|as well|now)",
        "NEG (leg|foot|of my legs|of my feet) _{0,2} (does|do|will|works|work|moves|move|"
        "listens|listen|holds|hold|responds|respond)",
        unless=("(after|from|during|since) _{0,3} EXERCISE",),
    ),
    _c(
        "emergency.chest_pain",
        EMERGENCY,
        "CHEST _{0,3} (PAIN|TIGHT)",
        "(PAIN|TIGHT) _{0,8} CHEST",
        "HEARTATTACK",
        "HEART _{0,2} PAIN",
        # Spreading to the jaw or the left arm.
        "(PAIN|TIGHT) _{0,4} (spreading|spreads|spread|radiating|radiates|going|goes|moving|"
        "moves|shooting) (to|into|up) (my)? jaw",
        # Not pain alone down an arm, which a neck often sends.
        "TIGHT _{0,4} (spreading|spreads|spread|radiating|radiates|going|goes|moving|moves) "
        "(to|into|down) (my)? (left arm|arm)",
        "(PAIN|TIGHT) _{0,3} HEART",
        # Sore from a cough or a cold: everyday, and the message still says where to turn.
        unless=("from _{0,3} (coughing|cough|coughs|sneezing|SHIVER|flu|covid)",),
    ),
    _c(
        "emergency.cannot_breathe",
        EMERGENCY,
        "CANT _{0,3} BREATH",
        "(lips|lip|face|fingers|fingertips) _{0,2} (going|gone|turning|turned|are|is|look) blue",
        "gasping *{0,6} CANT _{0,1} (finish|talk|speak|say|get)",
        "CANT (finish|complete|get out) (a|my|the)? (sentence|sentences|words)",
    ),
    _c(
        "emergency.serious_fall_or_accident",
        EMERGENCY,
        "SERIOUS_FALL",
        unless=_NOT_THEIR_FALL,
    ),
    _c(
        "emergency.pain_after_fall",
        EMERGENCY,
        "FALL *{0,10} (PAIN|WORSE|CANT)",
        "(PAIN|WORSE) *{0,8} (since|after|from|when) _{0,3} FALL",
        "(CANT|NEG) (EASES|get|stand|move|walk|stand up|get off) *{0,8} FALL",
        "FALL _{0,1} (off|from|DIFFERENT|down) (a|the|some|my)",
        # From a height: "slipped off the loft ladder", "came down the stairs on my back".
        "FALL *{0,6} (ladder|ladders|loft|roof|stairs|steps|scaffold|scaffolding|height|horse|"
        "wall|tree|chair|stool)",
        "(ladder|ladders|loft|roof|stairs|steps|horse|tree) *{0,6} (FALL|landed|came down)",
        "(came (down|LOSE)|landed|land|went (down|LOSE)) _{0,2} (flat|hard|heavily|badly|"
        "straight)? on my "
        "(back|BACK|head|bum|SADDLE|tailbone|coccyx|neck)",
        "FALL *{0,12} (dizzy|dizziness|woozy|faint|blacked out|passed out|sick|vomiting)",
        unless=("MINOR", *_NOT_THEIR_FALL),
    ),
    # --- Care today: a GP today, or NHS 111.
    _c(
        "urgent.fever",
        URGENT,
        "FEVER",
        "(temperature|temp|temps) _{0,3} (38|39|40|41|100|101|102|103|104|high|up|raised|"
        "spiking|spiked|through the roof|keeps going up)",
        "(high|raised|spiking|running|got|have|had|with) (a)? (temperature|temp|temps)",
        "(thermometer|temperature|temp|temps|reading) _{0,4} (37|38|39|40|41|100|101|102|103|"
        "104) (\\d|point|c|degrees|f)?",
        # Feeling as if with flu and the pain worse: "like I've got flu and my back is worse".
        "(got|have|had|with|like) (the|a)? UNWELL *{0,8} (BACK|PAIN) _{0,4} WORSE",
    ),
    _c(
        "urgent.hot_and_shivery",
        URGENT,
        "SHIVERY",
        "HOT _{0,3} (SHIVER|SHIVERY)",
        "(SHIVER|SHIVERY) _{0,3} HOT",
        "UNWELL _{0,4} SHIVER",
        "SHIVER _{0,4} UNWELL",
        unless=("COLD_CAUSE",),
    ),
    _c(
        "urgent.sweats_or_shivers_with_pain",
        URGENT,
        "(SWEAT|SHIVERY) *{0,12} (NIGHT|PAIN|BACK|WAKES|UNWELL|FEVER)",
        "(NIGHT|PAIN|BACK|WAKES|UNWELL|waking|woke|wake|wakes|woken) *{0,12} (SWEAT|SHIVERY)",
        unless=("COLD_CAUSE", "EXERCISE", "MEDIA", "OTHER_PERSON"),
    ),
    _c(
        "urgent.unexplained_weight_loss",
        URGENT,
        "UNINTENT *{0,10} WEIGHTLOSS",
        "UNINTENT *{0,10} LOSE _{0,4} WEIGHT",
        "UNINTENT *{0,10} WEIGHT _{0,3} LOSE",
        "WEIGHTLOSS *{0,10} UNINTENT",
        "LOSE _{0,4} WEIGHT *{0,10} UNINTENT",
        "WEIGHT _{0,3} LOSE *{0,10} UNINTENT",
    ),
    _c(
        "urgent.weight_loss",
        URGENT,
        "WEIGHTLOSS",
        "LOSE _{0,4} WEIGHT",
        "WEIGHT _{0,3} LOSE",
        "LOSE _{0,2} and _{0,3} WEIGHT",
        unless=("INTENT", "OTHER_PERSON (s|has|had|is|was|have)? _{0,2} (LOSE|WEIGHTLOSS)"),
    ),
    _c(
        "urgent.night_pain",
        URGENT,
        "NIGHT _{0,4} WORSE",
        "WORSE _{0,4} NIGHT",
        "(PAIN|BACK) _{0,3} WAKES",
        "WAKES _{0,4} (every|each|most|all) NIGHT",
        "WAKES _{0,2} (it|PAIN)",
        unless=("EASES",),
    ),
    _c(
        "urgent.pain_not_eased_by_rest",
        URGENT,
        "NOT_EASED_BY_REST",
        "NOTEASED _{0,10} ~?(REST|NIGHT)",
        "(REST|NIGHT) _{0,10} (NOTEASED|~EASES)",
        # A score that rises at night: "at night it's 8/10".
        "NIGHT _{0,4} (7|8|9|10) out of 10",
    ),
    _c(
        "urgent.lump_or_change_of_shape",
        URGENT,
        "LUMP",
        "(SWELLING|SHAPE) _{0,5} BACK",
        "BACK _{0,5} (SWELLING|SHAPE)",
        "BACK _{0,4} (looks|look|looking|is|gone|going|has|getting|got|become|becoming|"
        "seems|changed|changing) _{0,2} SHAPE",
        "SHAPE _{0,3} BACK",
        "(shape|curve) _{0,2} BACK _{0,3} (changed|changing|different|DIFFERENT)",
        "BACK _{0,6} (bending|bent|leaning|tilting|twisting|twisted|curving|SHAPE) (to one side|"
        "sideways|over|to the side)",
        unless=(
            "OTHER_PERSON (has|had|got|have|is) _{0,2} (LUMP|SWELLING)",
            "(LUMP|SWELLING) _{0,3} (on|in|under) OTHER_PERSON",
        ),
    ),
    _c(
        "urgent.cancer_history",
        URGENT,
        "CANCER",
        unless=("OTHER_PERSON", "CLEAR"),
    ),
    # Cancer in the past, even with the all clear, and a new pain: worth seeing a GP.
    _c(
        "urgent.cancer_history_new_pain",
        URGENT,
        "CANCER *{0,25} (new|different|DIFFERENT|changed|worse|WORSE|WAKES) _{0,4} "
        "(PAIN|BACK|WORSE)",
        "(new|different|DIFFERENT|changed) _{0,4} (PAIN|BACK) *{0,25} CANCER",
        unless=("OTHER_PERSON _{0,3} CANCER", "CANCER _{0,3} OTHER_PERSON"),
    ),
    # --- Crisis support: 999, NHS 111 option 2, Samaritans, SHOUT.
    _c("crisis.suicide", CRISIS, "SUICIDE"),
    _c("crisis.self_harm", CRISIS, "SELFHARM"),
    _w(
        "crisis.self_harm.intent",
        CRISIS,
        "(want|wanted|wanting|urge|urges|urged|thinking|thoughts|thought|like|going|might|"
        f"tempted|about|wish|need|needed|needing) _{{0,3}} {_ON_PURPOSE_NOUN} myself",
        f"{_ON_PURPOSE_NOUN} myself (again|on purpose|deliberately|to cope|to feel|helps|"
        "helped|makes|is the only|feels)",
        "(started|been|keep|back to|relapsed|urge|urges|urge to|want to) _{0,1} cutting "
        "(/|\\||again|myself|my arms|my legs|my wrists)",
        "(did|done|doing|do|urge|urges|to|relapsed|relapse|clean|resist|resisting) sh",
        "sh (again|urges|urge|relapse|scars|tonight|today|last)",
        "(relapsed|relapse|urges|clean) _{0,4} (self harm|cutting)",
        # A method on one's own body, with what says it was meant.
        f"{_SELF_HARM_VERB} {_OWN_BODY} *{{0,10}} (to feel|till|until|on purpose|deliberately|"
        "to cope|to punish|to stop|so i could|so i can|so it)",
        f"{_SELF_HARM_VERB} {_OWN_BODY} _{{0,4}} (with a|with the|with my) (lighter|blade|razor|"
        "razor blade|knife|scissors|compass|cigarette|lighter|iron|glass|pin|needle)",
        "(till|until) (they|it|i) (bled|bleed|bleeding|bleeds|blistered|blistering|scarred)",
        "(used|use|using|got out|picked up|held|holding|grabbed|reached for|bought|hiding|hid|"
        "hidden) (a|the|my|some|new)? (razor blade|razor blades|blade|blades|sharpener)",
        "(hiding|hide|hid|hidden|locked|locking|lock|putting|put|keep|keeping|give|gave|"
        "giving) _{0,4} (away)? from myself",
        "(sharp things|sharps|sharp objects) _{0,3} (from myself|away|hidden|locked|again)",
    ),
    _w(
        "crisis.wish_to_die",
        CRISIS,
        "(want|wanted|wanting|wish|wishing|ready|longing|long|desire|planning|plan|need|"
        "needing) (to)? (die|be dead|not exist|stop existing|cease to exist|not be alive)",
        "(want|wanted|wish|wishing|hope|hoping) _{0,2} (die|dead|died)",
        "wish i (was|were|would|could|had) _{0,2} (dead|die|died|gone|never been born|"
        "not been born|not here|not be here|not alive|not exist|disappear|never woken up)",
        "wish i (wasnt|werent|hadnt|didnt|wouldnt) _{0,2} (here|alive|born|exist|around|"
        "wake up|woken up)",
        "(rather|prefer|better) (be)? (dead|die)",
        "(rather|prefer) (not)? (be|to be) (alive|here|around)",
        "better off dead",
        "(life|living|alive|existence) _{0,3} (not|isnt|aint|no longer|never) _{0,1} worth",
        "not worth living",
        "(want|wanted|wish|wishing|hope|hoping|longing) _{0,3} (sleep forever|"
        "fall asleep forever|go to sleep forever|sleep for ever|fall asleep and never wake up|"
        "fall asleep and not wake up|go to sleep and never wake up|go to sleep and not wake up)",
    ),
    _w(
        "crisis.not_waking_up",
        CRISIS,
        "(dont|do not|never|not) _{0,2} (want|want to|wish) _{0,2} (to)? wake up",
        "(hope|hoping|wish|wishing|pray|praying) _{0,3} (dont|never|not|didnt|wouldnt|wont) "
        "_{0,1} (wake|woke|waking) up",
        "(and|to|would|could|like|love) _{0,2} (not|never) (wake|waking) up",
        "(not|never) (wake|waking|woke) up again",
        "(want|wish|wanting|wishing|hope|longing) _{0,2} (go to)? sleep (forever|and never wake|"
        "and not wake)",
        "go to sleep and (never|not) wake",
    ),
    _w(
        "crisis.no_will_to_live",
        CRISIS,
        "(dont|do not|no longer|never|not|didnt) _{0,2} (want|wish) _{0,1} to (live|exist|"
        "be alive|stay alive|keep living|be here|be around|be on this earth)",
        "(dont|do not|no longer|never|not) _{0,2} (want|wish) _{0,1} to (go on|carry on|"
        "keep going|continue|do this|live like this) (anymore|any more|any longer|like this|"
        "with life|living|/|\\|)",
        "cant (go on|carry on|keep going|do this|take it|take this|take any more|"
        "take anymore|live like this|keep living|face another day|face life|face tomorrow|"
        "do life) (anymore|any more|any longer|much longer|like this|/|\\|)",
        "cant cope (anymore|any more|any longer)",
    ),
    _w(
        "crisis.no_point",
        CRISIS,
        "(no|not|dont see|cant see|see no|whats|what is|lost|without|any) _{0,2} (point|reason|"
        "purpose|meaning) _{0,2} (in|to|of|for)? _{0,1} (living|life|going on|carrying on|"
        "being here|being alive|existing|it all|me|to live|live|go on|carry on|keep going|"
        "any of it|anymore|any more|anything anymore|anything any more|trying anymore|"
        "getting up anymore|waking up)",
        "nothing (left)? to live for",
        "no reason to (live|be here|stay|carry on|go on)",
        "life (is|feels|seems|has become) _{0,1} (pointless|meaningless|hopeless|empty|not worth)",
    ),
    _w(
        "crisis.euphemism.no_way_out",
        CRISIS,
        "(no|not see a|dont see a|dont see any|cant see a|cant see any|never find a|only|"
        "see no|cant find a|no other) way out",
        "no (escape|way forward|future for me)",
        "(cant see|dont see|see no|cannot see) _{0,2} future",
    ),
    _w(
        "crisis.burden",
        CRISIS,
        "better off _{0,1} without me",
        "better off (if|when) (i|i am) _{0,2} (gone|dead|not here|wasnt here|werent here|"
        "not around|died|wasnt around)",
        # The word alone (not just after "not": "I'm not a burden").
        "(a|an|such|being|be|feel|feeling|am|im|just|nothing but|only|big|huge) burden",
        "burden (to|on|for)",
        "burden (to|on) (everyone|everybody|my family|them|you|people|my kids|my husband|"
        "my wife|my partner)",
        "(no one|nobody|noone) (would|will|wud|really) _{0,1} (miss me|care if i|notice if i|"
        "notice i was gone|care i|notice i|care)",
        "(world|everyone|everybody|family) _{0,3} better _{0,2} without me",
        "(happier|better|easier|fine|better off) _{0,2} without me",
        "better off (gone|not here|not around|away|dead|not existing|not alive|not being here|"
        "not being alive|never born|never having been born)",
        "(everyone|everybody|my family|world|they|kids) _{0,2} (be|are) better off (/|\\||if|"
        "without)",
        "waste of (space|oxygen|air)",
        "(easier|better|happier|fine|relieved|lighter|simpler|nicer|calmer) _{0,4} (if|when) "
        "i _{0,1} (wasnt|werent|was gone|was dead|died|am gone|was not|were not|am not|"
        "wasnt here|wasnt around|was not here|was not around|disappeared|left for good|"
        "slipped away|went away|ended it)",
        "if i (just)? (wasnt|werent|was not|were not) (here|around|alive|in the picture|about) "
        "(/|\\||anymore|any more|any longer|at all|everyone|everybody|they|people|it|the)",
    ),
    _w(
        "crisis.plan_or_means",
        CRISIS,
        "(stockpiling|stockpiled|saving|saved|hoarding|hoarded|collecting|collected|counting|"
        f"stashing|stashed|storing|stored) _{{0,3}} {_DRUGS}",
        f"{_DRUGS} _{{0,2}} (saved|stashed|stockpiled|hoarded|put aside|put by|hidden)",
        "(take|taking|took|swallow|swallowing|swallowed|neck|necking|necked) (all|every one of|"
        f"the lot of|the whole) _{{0,3}} {_DRUGS} _{{0,2}} (at once|in one go|together|/)",
        "(take|taking|took|swallow|swallowing|swallowed|neck|necking|necked) (a handful|"
        "handfuls|a bottle|a box|a whole box|a whole bottle|the whole box|the whole bottle|"
        f"too many|loads|a load|a packet|a whole packet) (of)? _{{0,2}} {_DRUGS}",
        "(overdose|overdosed|overdosing)",
        "(suicide|goodbye) (note|notes|letter|letters)",
        "(written|wrote|writing|write) _{0,3} (goodbye|goodbyes)",
        f"(a|the)? (note|notes|letter|letters|cards|messages) (for|to) {_FAMILY} (/|just in case|"
        "in case|for after|for when|explaining|to say)",
        "(said|saying|say) _{0,1} (my)? goodbyes",
        "(giving|gave|give) away _{0,2} (things|stuff|belongings|possessions)",
        "(bought|buy|got|have|found|get|hidden|tied|keep|kept) (a|the|some|my)? (rope|noose|"
        "ligature)",
        "(rope|noose|ligature) (is|s)? (ready|sorted|tied|up|hidden|waiting|in the)",
        "noose",
        "(jump|jumping|jumped|throw|throwing|threw|step|stepping|walk|walking|drive|driving) "
        f"_{{0,2}} (off|from|in front of|under|into) {_PLACES}",
        "(think|thinking|thought|want|wanted|wanting|tempted|urge|plan|planning|considering|"
        "keep) _{0,2} (driving|drive|walking|walk|going|go|heading|head|getting|get|jumping|"
        f"jump) (to|up to|down to|off|into|over|from) {_PLACES}",
        "(thinking|thought|think|thoughts) (about|of) (jumping|throwing myself|stepping in front|"
        "walking into|driving into|crashing the car|crashing my car|driving off|walking in front|"
        "stepping out in front|walking out in front)",
        "(plan|plans|planned|planning|decided|worked out|know|figured out) _{0,3} (how|when|"
        "where) _{0,3} (end it|do it|die|kill|going to do it)",
        "(have|got|made|making) _{0,1} a plan _{0,3} (to)? (end|die|kill|do it)",
        "(looked up|looking up|googled|googling|researched|checked|found out) _{0,3} (how high|"
        "how tall|how deep|how far down|how far the drop|how long it takes to)",
        f"(how high|how tall|how far down) _{{0,2}} {_PLACES}",
        "(ways|way|how|methods|method|best way|easiest way|quickest way) to (die|end it|"
        "end my life|kill myself|do it|overdose|go)",
        "how (many|much) _{0,4} (to die|would kill|to kill|to end it|it takes|is lethal|"
        "is fatal|is an overdose|it would take|would it take|it would need|would be lethal|"
        "would be fatal|would be enough|would do it|it would take to)",
        "(lethal|fatal|deadly) (dose|doses|amount|amounts|quantity|number)",
        "(researching|researched|googling|googled|looking up|looked up|searching|searched|"
        f"reading up|read up) _{{0,4}} (how many|how much) _{{0,2}} {_DRUGS}",
        "(researching|researched|googling|googled|looking up|looked up|searching|searched|"
        "reading up|read up) _{0,4} (how many|how much) _{0,3} (would|it would|it takes|to take|"
        "would take|to kill|would kill|is lethal|is fatal|is too much)",
        "(researching|researched|googling|googled|looking up|looked up|searching|searched|"
        "reading up|read up) _{0,4} (lethal|fatal|overdose|ways to die|"
        "how to die|how to end|painless|methods|suicide|ways to end)",
        # Gathering the means: from several shops, enough, kept "just in case".
        f"(bought|buying|buy|got|getting|get) _{{0,3}} {_DRUGS} *{{0,8}} (different|several|"
        "multiple|various|few|lots of|loads of|other) (shops|chemists|pharmacies|places|"
        "stores|supermarkets)",
        f"{_DRUGS} *{{0,10}} (so|until|till) _{{0,2}} (have|had|got|get) enough",
        f"{_DRUGS} *{{0,10}} (keeping|kept|keep|saving|saved|hiding|hid|stashing|stashed|storing|"
        "holding on to|hanging on to|hanging onto|holding onto) _{0,3} just in case",
        "(keeping|kept|keep|saving|saved|hiding|hid|stashing|stashed|storing|stored|got|have) "
        f"_{{0,4}} {_DRUGS} _{{0,3}} just in case",
        "(stash|stockpile|hoard|supply) (of)? _{0,2} " + _DRUGS,
        "(got my hands on|got hold of|get my hands on|get hold of|getting hold of) _{0,5} "
        "(mums|dads|nans|grans|wifes|husbands|partners|someone elses|old|spare|extra|more|"
        "a load of|loads of|lots of) _{0,2} " + _DRUGS,
        "(thought|thinking|think|know|decided|planned|worked out|figured out) (about)? (how|"
        "when|where) i (would|will|could|am going to|d)? _{0,1} (do it|end it|go)",
        "(throw|throwing|threw|jump|jumping) myself (off|in front|under|from|into)",
    ),
    _w(
        "crisis.euphemism.not_around",
        CRISIS,
        "(wont|will not|not going to|might not|may not) be (around|here) _{0,1} (much longer|"
        "for long|anymore|any more|long|by)",
        "(disappear|disappearing|vanish|vanishing|be gone|not exist|not be here) (forever|"
        "for good|and never come back|permanently)",
        "(want|wish|wishing|wanting) (to|i could) (disappear|vanish|not exist|stop existing|"
        "cease to exist|not be here)",
        "(want|wish|wanting) (it all|everything|all of it|life) to (end|stop|be over)",
        "(want|wish) _{0,2} to (end|stop) (forever|for good|permanently)",
        "(join|be with) my _{0,1} (late|dead) (wife|husband|partner|son|daughter|mum|dad)",
    ),
    _w(
        "crisis.euphemism.giving_up_on_life",
        CRISIS,
        "(tired|sick|done|fed up|exhausted|weary) (of|with|by) (life|being alive|existing|"
        "being here|this life)",
        # Not "tired of living out of a suitcase".
        "(tired|sick|done|fed up|exhausted|weary) (of|with) living (/|\\||like this|with|in|"
        "anymore|any more|any longer|this way|now|every|day|and)",
        "done with (it all|everything)",
        "(had enough|enough) of (life|living|everything|it all|being alive|this life)",
        "want out /",
        "(easier|better) _{0,2} (to)? (not be|not being) (here|around|alive)",
        "not (be|being) (here|around|alive) _{0,2} (anymore|any more|any longer)",
        "(give|giving|given|gave) up on (life|living|everything|myself)",
    ),
    _w(
        "crisis.euphemism.ending",
        CRISIS,
        "(check|checking) out (/|\\||for good|early|permanently|of life|of here|of this world|"
        "tonight|soon)",
        "(want|wanted|wish|need|needed) (it|this|it all|everything|all this|all of this) to "
        "(end|be over|stop) (/|\\||now|for good|forever|already|please)",
        "(worked out|figured out|planned|decided on|chosen|picked) (how|when|where|the date|"
        "a date|a day) (/|\\||i|to do it|to end)",
        "(thinking|think|thought|looking|look|looked|staring|stare|stared|stood|standing) "
        "(about|at|of|on|by|near)? (the|a|that|this)? (bridge|cliff|cliffs|tracks|"
        "railway line|train tracks|ledge|tower block|rope)",
        "(my)? life (is|feels|seems) (over|finished|ruined)",
        "i have (just|totally|completely)? (given up|giving up) (/|\\||completely|"
        "on everything|on it all)",
        "kill yourself",
    ),
    # Finality said in the writer's own words: for good, gone, after I'm gone, affairs put
    # in order. In doubt, signpost.
    _w(
        "crisis.finality",
        CRISIS,
        "(going to|gonna|will|ready to|about to|plan to|planning to) end (it|everything|it all) "
        "(all)? (tonight|for good|forever|permanently|once and for all|/)",
        "(going to|gonna|will|ready to|about to|plan to|planning to) make (it|this|everything|"
        "it all) (all)? (stop|end) (tonight|for good|forever|permanently|once and for all|/)",
        "(make|making) (it|this|everything|it all|the pain|all this) (all)? (stop|end|go away) "
        "(for good|forever|permanently|once and for all)",
        "(want|wish|wanting|wishing|need|ready|going) (to)? be gone (/|\\||for good|forever|"
        "now|tonight)",
        "(want|wish|wanting|wishing|need) (it all|everything) (to be)? over (/|\\||now|with|"
        "for good)",
        "done fighting (/|\\||anymore|any more)",
        "(rather|prefer) (not|never) (to)? (exist|have existed|be born|have been born|wake up)",
        "(stopped caring|dont care|do not care|not bothered|couldnt care less|dont mind) (if|"
        "whether) (i)? (wake up|wake|live|die|am alive|make it|see tomorrow|survive|am here)",
        "(after|once) i (am|have|have been) (gone|dead|not here|not around) (/|\\||so|and|"
        "they|she|he|everyone|my)",
        "(for|ready for) when i am (gone|dead|not here|not around)",
        "(wont|will not|not going to) need _{0,4} where i am going",
        "(leave|leaving|exit|exiting|depart|departing|quit|quitting) this (world|earth|life|"
        "planet)",
        "(if i|let me|want to|wish i could) (just)? (slipped|slip|fade|faded|drift|drifted) "
        "away (/|\\||for good|forever|quietly|and)",
        "(cant see|dont see|cant imagine|cant picture|cannot see) (myself|me) (being)? (around|"
        "here|alive) (at|for|by|next|in|this|much)",
        "(this is|this will be|this is going to be) my last (message|text|post|time|goodbye) "
        "(/|\\||ever|thanks|goodbye|bye|x)",
        "(said|saying|done|doing|made|making) my (farewells|final goodbyes) (/|\\||its|it is|now)",
        # Someone else's funeral being arranged is ordinary; one's own wishes are not.
        "funeral (wishes|instructions)",
        "my funeral (plans|arrangements|plan|songs|music)",
        "(paperwork|passwords|papers|documents|affairs|my will|keys|bank details|pin numbers) "
        "*{0,12} (afterwards|after i am gone|when i am gone|for after)",
        "(cleared|cleaned|emptied) out (my|the) (flat|house|room|things|stuff|wardrobe) *{0,8} "
        "(left|given|gave|leave) (the|my) keys",
        "(no one|nobody|noone|they|you|anyone)? (will|wont|would|wouldnt)? (have to|need to|"
        "having to) (look after|care for|worry about|put up with|deal with) me _{0,2} ("
        "much longer|for long|anymore|any more|soon)",
        "(sleep|go to sleep|fall asleep) and (never|not) _{0,4} (again|wake)",
        "(wont|will not|not going to) be (a|an)? (problem|burden|bother|trouble|nuisance|worry) "
        "_{0,4} (much longer|for long|anymore|any more|any longer|soon)",
        "(giving|gave|give|given) (my|all my|away my|away all my)? (things|stuff|belongings|"
        "possessions) away",
        "(sorted|sorting|decided|deciding|worked out|working out|arranged|arranging) (out)? who "
        "(gets|will get|will have|has|is having|takes|will take|looks after|will look after) "
        "(the|my) _{0,1} (dog|dogs|cat|cats|pets|pet|house|things|stuff|car|jewellery|rings|"
        "ring) (/|\\|)",
        "(given|gave|giving|rehomed|rehoming|rehome|give) _{0,3} (dog|dogs|cat|cats|pet|pets|"
        "rabbit|budgie) *{0,8} (so|then) (she|he|they|it|shell|hell|theyll|itll) (will|would)? "
        "be (looked after|cared for|ok|okay|alright|fine|safe|loved)",
    ),
    # The means at hand, and the thought of using them.
    _w(
        "crisis.means_considered",
        CRISIS,
        f"{_DRUGS} *{{0,6}} (thinking about|tempted|staring at|looking at|wondering about) (it|"
        "them|taking|doing it|swallowing)",
        "(next to me|beside me|in front of me|in my hand) *{0,6} (thinking about it|tempted|"
        "thinking about taking|thinking about doing)",
        "(counted|counting|saved|saving|stockpiled|collected|gathered|stashed) *{0,8} (got|have|"
        "had) enough (now|/|\\||to do it|to end)",
        f"(took|take|taken|taking|swallowed) _{{0,4}} {_DRUGS} *{{0,8}} (on purpose|deliberately)",
        "(swallow|swallowing|neck|necking|down|downing) (the lot|them all|all of them|"
        "the whole lot|everything i have)",
        "(take|taking) (the lot|them all|all of them|the whole lot) (tonight|at once|in one go|"
        "together|/)",
        "(thought|thinking|think|tempted|urge|urges|wanted) _{0,2} (about|of|to)? (stepping|step|"
        "jumping|jump|leaning|lean|falling) (forward|off the edge|over the edge|over the side|"
        "out in front)",
        "garage *{0,10} (engine|exhaust|hosepipe|hose pipe) (running|on)",
        f"holding (the|my|all the|all my)? {_DRUGS} (now|/|\\||in my hand|ready)",
        f"(got|have) (the|my|all the|all my)? {_DRUGS} (in my hand|lined up|out in front of me)",
        f"which {_DRUGS} (work|works|would work|act|would act|kill) (fastest|quickest|quicker|"
        "faster) (/|\\||to)",
        # Not a razor: "took the razor to my legs" is shaving.
        "(took|take|taking|put|used) (the|a|my) (blade|knife|lighter|scissors|glass) to "
        "(my)? (arms|arm|legs|leg|wrists|wrist|skin|thighs|thigh|body|stomach)",
        "(ending up|end up|ended up|drawn to|stood at|standing at|standing on|stood on|sitting on|"
        "sat on) (at|on)? the (edge|top) of (the|a)? (quarry|cliff|cliffs|bridge|car park|"
        "building|roof|tower|multi storey|drop)",
        "(engine|exhaust) (running|on) *{0,6} garage",
    ),
    _w(
        "crisis.hopeless",
        CRISIS,
        "(feel|feeling|feels|felt|so|totally|completely|utterly|everything|life|am|is) "
        "_{0,1} (hopeless|worthless)",
    ),
    _w(
        "crisis.dark_thoughts",
        CRISIS,
        "(dark|morbid|black) (thoughts|place)",
        "(thinking|think|thoughts|thought|fantasise|fantasize|fantasising|fantasizing) "
        "(about|of) (death|dying|ending it|ending things|not being here|not being alive|"
        "killing|suicide|not waking up|ending my life|my funeral|being dead)",
    ),
)
