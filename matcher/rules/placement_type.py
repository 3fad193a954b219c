import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def placement_type(pairs: Pairs) -> BoolArray:
    """A duaal student needs a workplace that offers a paid (OAO) contract. An
    aanloop student who is contract-ready may go where a contract or a guided
    learning experience (begeleide leerervaring) is offered; an aanloop student
    who is not contract-ready only where a guided experience is offered."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    contract = w.offers_contract[pairs.workplace]
    guided = w.offers_guided[pairs.workplace]
    duaal = s.duaal[pairs.student]
    ready = s.contract_ready[pairs.student]
    return np.asarray(np.where(duaal, contract, guided | (ready & contract)))


RULE = HardRule("placement_type", placement_type, student_fields=("duaal", "contract_ready"))
