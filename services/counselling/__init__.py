"""The counselling service: financial counsellors (金融辅导员), their teams, visits, one financing plan per
enterprise, and the problem ledger with its 24-hour answer (contract section 10)."""
