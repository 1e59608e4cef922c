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

CREATE TABLE teams (
	id BIGSERIAL NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE team_enterprises (
	uscc VARCHAR(18) NOT NULL, 
	team_id BIGINT NOT NULL, 
	assigned_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE INDEX team_enterprises_by_team ON team_enterprises (team_id, uscc);

CREATE TABLE visits (
	id BIGSERIAL NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	team_id BIGINT NOT NULL, 
	visited_on DATE NOT NULL, 
	notes TEXT NOT NULL, 
	financing_need NUMERIC(18, 2), 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX visits_by_enterprise ON visits (uscc, visited_on);

CREATE TABLE plans (
	uscc VARCHAR(18) NOT NULL, 
	team_id BIGINT NOT NULL, 
	needs TEXT NOT NULL, 
	measures TEXT NOT NULL, 
	amount_coordinated NUMERIC(18, 2) NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE INDEX plans_by_team ON plans (team_id);

CREATE TABLE problems (
	id BIGSERIAL NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	team_id BIGINT NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	raised_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	raised_by VARCHAR(100) NOT NULL, 
	raised_role VARCHAR(30) NOT NULL, 
	first_answered_at TIMESTAMP WITH TIME ZONE, 
	answered_in_time BOOLEAN, 
	resolved_at TIMESTAMP WITH TIME ZONE, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	alarm_stage INTEGER NOT NULL, 
	next_alarm_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);

CREATE INDEX problems_by_team ON problems (team_id, status, raised_at);

CREATE INDEX problems_by_enterprise ON problems (uscc);

CREATE INDEX problems_next_alarm ON problems (next_alarm_at);

CREATE TABLE responses (
	id BIGSERIAL NOT NULL, 
	problem_id BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (problem_id, version)
);

CREATE TABLE alarms (
	id BIGSERIAL NOT NULL, 
	problem_id BIGINT NOT NULL, 
	stage INTEGER NOT NULL, 
	team_id BIGINT NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	due_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	raised_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (problem_id, stage)
);

CREATE INDEX alarms_by_level ON alarms (level, county);

CREATE TABLE policies (
	policy_id BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	financing BOOLEAN NOT NULL, 
	in_force BOOLEAN NOT NULL, 
	PRIMARY KEY (policy_id)
);

CREATE TABLE matches (
	policy_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	matched BOOLEAN NOT NULL, 
	decided_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	title VARCHAR(300), 
	PRIMARY KEY (policy_id, uscc)
);

CREATE INDEX matches_by_enterprise ON matches (uscc);

CREATE TABLE enterprises (
	uscc VARCHAR(18) NOT NULL, 
	version INTEGER NOT NULL, 
	name VARCHAR(200), 
	financing_interest BOOLEAN NOT NULL, 
	PRIMARY KEY (uscc)
);
