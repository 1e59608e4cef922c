CREATE TABLE outbox (
	id BIGSERIAL NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	exchange VARCHAR(100) NOT NULL, 
	routing_key VARCHAR(200) NOT NULL, 
	body TEXT NOT NULL, 
	correlation_id VARCHAR(100), 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE inbox (
	consumer VARCHAR(100) NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	handled_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (consumer, event_id)
);

CREATE TABLE dead_letters (
	id BIGSERIAL NOT NULL, 
	queue VARCHAR(200) NOT NULL, 
	event_id VARCHAR(100), 
	exchange VARCHAR(100) NOT NULL, 
	routing_key VARCHAR(200) NOT NULL, 
	body TEXT NOT NULL, 
	correlation_id VARCHAR(100), 
	headers JSON NOT NULL, 
	error TEXT NOT NULL, 
	traceback TEXT NOT NULL, 
	failed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	replayed_at TIMESTAMP WITH TIME ZONE, 
	replay_count INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE applications (
	id BIGSERIAL NOT NULL, 
	policy_id BIGINT NOT NULL, 
	policy_title VARCHAR(300) NOT NULL, 
	department VARCHAR(100) NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	exclusive_group VARCHAR(100), 
	uscc VARCHAR(18) NOT NULL, 
	enterprise_name VARCHAR(200), 
	proactive BOOLEAN NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	returned_from VARCHAR(20), 
	amount NUMERIC(18, 2), 
	form JSON NOT NULL, 
	material_list JSON NOT NULL, 
	note TEXT, 
	stage_limits JSON NOT NULL, 
	created_by JSON NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	open_key VARCHAR(60), 
	PRIMARY KEY (id), 
	UNIQUE (open_key)
);

CREATE INDEX applications_by_stage ON applications (stage, id);

CREATE INDEX applications_by_department ON applications (department, stage);

CREATE INDEX applications_by_enterprise ON applications (uscc, id);

CREATE TABLE application_stages (
	id BIGSERIAL NOT NULL, 
	application_id BIGINT NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	entered_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	due_at TIMESTAMP WITH TIME ZONE, 
	due_provisional BOOLEAN NOT NULL, 
	completed_at TIMESTAMP WITH TIME ZONE, 
	actor JSON, 
	alarmed_at TIMESTAMP WITH TIME ZONE, 
	escalated_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE INDEX stages_of_application ON application_stages (application_id, id);

CREATE INDEX stages_open_by_due ON application_stages (completed_at, due_at);

CREATE TABLE application_materials (
	id BIGSERIAL NOT NULL, 
	application_id BIGINT NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	filename VARCHAR(200) NOT NULL, 
	media_type VARCHAR(100) NOT NULL, 
	size INTEGER NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	added_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX materials_of_application ON application_materials (application_id);

CREATE TABLE application_history (
	id BIGSERIAL NOT NULL, 
	application_id BIGINT NOT NULL, 
	action VARCHAR(20) NOT NULL, 
	from_stage VARCHAR(20), 
	to_stage VARCHAR(20) NOT NULL, 
	actor JSON NOT NULL, 
	comment TEXT, 
	amount NUMERIC(18, 2), 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX history_of_application ON application_history (application_id, id);

CREATE TABLE alarms (
	id BIGSERIAL NOT NULL, 
	application_id BIGINT NOT NULL, 
	stage_id BIGINT NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	role VARCHAR(30) NOT NULL, 
	department VARCHAR(100), 
	county VARCHAR(6), 
	due_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	raised_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT one_alarm_per_stage_and_kind UNIQUE (stage_id, kind)
);

CREATE INDEX alarms_by_role ON alarms (role, id);

CREATE TABLE exclusive_claims (
	uscc VARCHAR(18) NOT NULL, 
	exclusive_group VARCHAR(100) NOT NULL, 
	application_id BIGINT NOT NULL, 
	policy_id BIGINT NOT NULL, 
	PRIMARY KEY (uscc, exclusive_group)
);

CREATE INDEX exclusive_claims_of_application ON exclusive_claims (application_id);

CREATE TABLE budgets (
	policy_id BIGSERIAL NOT NULL, 
	budget NUMERIC(18, 2), 
	committed NUMERIC(18, 2) NOT NULL, 
	disbursed NUMERIC(18, 2) NOT NULL, 
	policy_version INTEGER NOT NULL, 
	PRIMARY KEY (policy_id)
);

CREATE TABLE calendar_years (
	year INTEGER NOT NULL, 
	arrangement JSON NOT NULL, 
	revision INTEGER NOT NULL, 
	loaded_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	loaded_by VARCHAR(100), 
	PRIMARY KEY (year)
);
