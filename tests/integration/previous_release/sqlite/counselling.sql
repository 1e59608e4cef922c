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

CREATE TABLE teams (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE team_enterprises (
	uscc VARCHAR(18) NOT NULL, 
	team_id INTEGER NOT NULL, 
	assigned_at DATETIME NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE INDEX team_enterprises_by_team ON team_enterprises (team_id, uscc);

CREATE TABLE visits (
	id INTEGER NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	team_id INTEGER NOT NULL, 
	visited_on DATE NOT NULL, 
	notes TEXT NOT NULL, 
	financing_need BIGINT, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX visits_by_enterprise ON visits (uscc, visited_on);

CREATE TABLE plans (
	uscc VARCHAR(18) NOT NULL, 
	team_id INTEGER NOT NULL, 
	needs TEXT NOT NULL, 
	measures TEXT NOT NULL, 
	amount_coordinated BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE INDEX plans_by_team ON plans (team_id);

CREATE TABLE problems (
	id INTEGER NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	team_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	raised_at DATETIME NOT NULL, 
	raised_by VARCHAR(100) NOT NULL, 
	raised_role VARCHAR(30) NOT NULL, 
	first_answered_at DATETIME, 
	answered_in_time BOOLEAN, 
	resolved_at DATETIME, 
	updated_at DATETIME NOT NULL, 
	alarm_stage INTEGER NOT NULL, 
	next_alarm_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX problems_by_team ON problems (team_id, status, raised_at);

CREATE INDEX problems_by_enterprise ON problems (uscc);

CREATE INDEX problems_next_alarm ON problems (next_alarm_at);

CREATE TABLE responses (
	id INTEGER NOT NULL, 
	problem_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (problem_id, version)
);

CREATE TABLE alarms (
	id INTEGER NOT NULL, 
	problem_id INTEGER NOT NULL, 
	stage INTEGER NOT NULL, 
	team_id INTEGER NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	due_at DATETIME NOT NULL, 
	raised_at DATETIME NOT NULL, 
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
	decided_at DATETIME NOT NULL, 
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
