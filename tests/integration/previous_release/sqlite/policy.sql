CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	exchange VARCHAR(100) NOT NULL, 
	routing_key VARCHAR(200) NOT NULL, 
	body TEXT NOT NULL, 
	correlation_id VARCHAR(100), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE inbox (
	consumer VARCHAR(100) NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	handled_at DATETIME NOT NULL, 
	PRIMARY KEY (consumer, event_id)
);

CREATE TABLE dead_letters (
	id INTEGER NOT NULL, 
	queue VARCHAR(200) NOT NULL, 
	event_id VARCHAR(100), 
	exchange VARCHAR(100) NOT NULL, 
	routing_key VARCHAR(200) NOT NULL, 
	body TEXT NOT NULL, 
	correlation_id VARCHAR(100), 
	headers JSON NOT NULL, 
	error TEXT NOT NULL, 
	traceback TEXT NOT NULL, 
	failed_at DATETIME NOT NULL, 
	replayed_at DATETIME, 
	replay_count INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE policies (
	id INTEGER NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	department VARCHAR(100) NOT NULL, 
	department_name VARCHAR(100), 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	summary TEXT NOT NULL, 
	body TEXT NOT NULL, 
	eligibility JSON NOT NULL, 
	tags_used JSON NOT NULL, 
	valid_from VARCHAR(10) NOT NULL, 
	valid_to VARCHAR(10) NOT NULL, 
	redeemable BOOLEAN NOT NULL, 
	proactive BOOLEAN NOT NULL, 
	subsidy JSON, 
	budget BIGINT, 
	exclusive_group VARCHAR(100), 
	materials JSON NOT NULL, 
	stage_limits JSON NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	version INTEGER NOT NULL, 
	revision BIGINT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	published_at DATETIME, 
	started_at DATETIME, 
	withdrawn_reason TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX policies_by_update ON policies (updated_at);

CREATE INDEX policies_by_revision ON policies (revision);

CREATE INDEX policies_by_status ON policies (status);

CREATE TABLE policy_changes (
	id INTEGER NOT NULL, 
	revision BIGINT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE policy_versions (
	policy_id BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	snapshot JSON NOT NULL, 
	actor JSON NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (policy_id, version)
);

CREATE TABLE enterprise_facts (
	uscc VARCHAR(18) NOT NULL, 
	version INTEGER NOT NULL, 
	active BOOLEAN NOT NULL, 
	fact_name VARCHAR(200), 
	fact_registered_on VARCHAR(10), 
	fact_ownership VARCHAR(200), 
	fact_industry_code VARCHAR(200), 
	fact_county VARCHAR(200), 
	fact_employees FLOAT, 
	fact_annual_revenue FLOAT, 
	fact_total_assets FLOAT, 
	fact_rd_expense FLOAT, 
	fact_status VARCHAR(200), 
	fact_age_years FLOAT, 
	fact_revenue_per_employee FLOAT, 
	fact_rd_intensity FLOAT, 
	fact_scale VARCHAR(200), 
	fact_industry_section VARCHAR(200), 
	fact_industry_division VARCHAR(200), 
	known_qualifications BOOLEAN NOT NULL, 
	known_interests BOOLEAN NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE TABLE enterprise_tags (
	uscc VARCHAR(18) NOT NULL, 
	tag VARCHAR(100) NOT NULL, 
	PRIMARY KEY (uscc, tag)
);

CREATE TABLE enterprise_codes (
	uscc VARCHAR(18) NOT NULL, 
	field VARCHAR(50) NOT NULL, 
	code VARCHAR(100) NOT NULL, 
	PRIMARY KEY (uscc, field, code)
);

CREATE TABLE matches (
	uscc VARCHAR(18) NOT NULL, 
	policy_id BIGINT NOT NULL, 
	policy_version INTEGER NOT NULL, 
	profile_version INTEGER NOT NULL, 
	matched_at DATETIME NOT NULL, 
	PRIMARY KEY (uscc, policy_id)
);

CREATE INDEX matches_by_policy ON matches (policy_id, uscc);

CREATE TABLE departments (
	code VARCHAR(100) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	origin VARCHAR(20) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by JSON, 
	PRIMARY KEY (code)
);

CREATE TABLE questions (
	id INTEGER NOT NULL, 
	policy_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	text TEXT NOT NULL, 
	asked_by JSON NOT NULL, 
	asked_at DATETIME NOT NULL, 
	due_at DATETIME, 
	due_provisional BOOLEAN, 
	due_note TEXT, 
	answer TEXT, 
	answered_by JSON, 
	answered_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX questions_by_policy ON questions (policy_id, id);

CREATE INDEX questions_open ON questions (answered_at, due_at);

CREATE TABLE question_alarms (
	question_id BIGINT NOT NULL, 
	raised_at DATETIME NOT NULL, 
	PRIMARY KEY (question_id)
);

CREATE TABLE packs (
	id INTEGER NOT NULL, 
	code VARCHAR(16) NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	description TEXT, 
	policy_ids JSON NOT NULL, 
	created_by JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	scans INTEGER NOT NULL, 
	last_scanned_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (code)
);

CREATE TABLE calendar_years (
	year INTEGER NOT NULL, 
	arrangement JSON NOT NULL, 
	revision INTEGER NOT NULL, 
	loaded_at DATETIME NOT NULL, 
	loaded_by VARCHAR(100), 
	PRIMARY KEY (year)
);
