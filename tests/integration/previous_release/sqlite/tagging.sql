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

CREATE TABLE enterprises (
	uscc VARCHAR(18) NOT NULL, 
	profile JSON NOT NULL, 
	sources JSON NOT NULL, 
	sequences JSON NOT NULL, 
	version INTEGER NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	tags JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE TABLE profile_versions (
	uscc VARCHAR(18) NOT NULL, 
	version INTEGER NOT NULL, 
	source VARCHAR(100) NOT NULL, 
	sequence BIGINT NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	changes JSON NOT NULL, 
	tags_added JSON NOT NULL, 
	tags_removed JSON NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (uscc, version)
);

CREATE TABLE stale_messages (
	id INTEGER NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	source VARCHAR(100) NOT NULL, 
	sequence BIGINT NOT NULL, 
	last_applied BIGINT NOT NULL, 
	received_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE quarantine (
	id INTEGER NOT NULL, 
	event_id VARCHAR(100), 
	routing_key VARCHAR(200) NOT NULL, 
	source VARCHAR(100), 
	item_index INTEGER, 
	body TEXT NOT NULL, 
	corrected_body TEXT, 
	reason TEXT NOT NULL, 
	errors JSON NOT NULL, 
	received_at DATETIME NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	resolution TEXT, 
	resolved_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX quarantine_by_state ON quarantine (state, id);

CREATE TABLE tag_categories (
	code VARCHAR(50) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (code)
);

CREATE TABLE tag_definitions (
	code VARCHAR(100) NOT NULL, 
	category VARCHAR(50) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	description TEXT NOT NULL, 
	rule JSON NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	position INTEGER NOT NULL, 
	origin VARCHAR(20) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by JSON, 
	PRIMARY KEY (code)
);

CREATE TABLE catalogue_revision (
	id INTEGER NOT NULL, 
	revision INTEGER NOT NULL, 
	retagged_on VARCHAR(10), 
	PRIMARY KEY (id)
);

CREATE TABLE jobs (
	id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	tag_code VARCHAR(100), 
	revision INTEGER NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	total INTEGER NOT NULL, 
	done INTEGER NOT NULL, 
	changed INTEGER NOT NULL, 
	cursor VARCHAR(18) NOT NULL, 
	lease_until DATETIME, 
	error TEXT, 
	actor JSON, 
	created_at DATETIME NOT NULL, 
	started_at DATETIME, 
	finished_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX jobs_by_state ON jobs (state, id);

CREATE TABLE policies_heard (
	policy_id BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	in_force BOOLEAN NOT NULL, 
	title VARCHAR(300), 
	department VARCHAR(100), 
	PRIMARY KEY (policy_id)
);

CREATE TABLE tag_uses (
	code VARCHAR(100) NOT NULL, 
	policy_id BIGINT NOT NULL, 
	PRIMARY KEY (code, policy_id)
);
