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
	policy_id BIGINT NOT NULL, 
	version INTEGER NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	department VARCHAR(100) NOT NULL, 
	department_name VARCHAR(100), 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	redeemable BOOLEAN NOT NULL, 
	proactive BOOLEAN NOT NULL, 
	tags_used JSON NOT NULL, 
	published_at DATETIME, 
	ended_at DATETIME, 
	PRIMARY KEY (policy_id)
);

CREATE TABLE policy_interests (
	policy_id BIGINT NOT NULL, 
	tag VARCHAR(100) NOT NULL, 
	PRIMARY KEY (policy_id, tag)
);

CREATE INDEX policy_interests_by_tag ON policy_interests (tag);

CREATE TABLE enterprises (
	uscc VARCHAR(18) NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE TABLE enterprise_interests (
	uscc VARCHAR(18) NOT NULL, 
	tag VARCHAR(100) NOT NULL, 
	PRIMARY KEY (uscc, tag)
)
 WITHOUT ROWID;

CREATE INDEX enterprise_interests_by_tag ON enterprise_interests (tag, uscc);

CREATE TABLE matches (
	policy_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	first_matched_at DATETIME, 
	last_matched_at DATETIME, 
	last_unmatched_at DATETIME, 
	PRIMARY KEY (policy_id, uscc)
)
 WITHOUT ROWID;

CREATE INDEX matches_by_enterprise ON matches (uscc);

CREATE TABLE notices_delivered (
	event_id VARCHAR(100) NOT NULL, 
	policy_id BIGINT NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	count INTEGER NOT NULL, 
	delivered_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id, policy_id)
);

CREATE INDEX notices_delivered_by_policy ON notices_delivered (policy_id, delivered_at);

CREATE TABLE notices_read (
	notification_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	policy_id BIGINT, 
	evaluation_id BIGINT, 
	read_at DATETIME NOT NULL, 
	PRIMARY KEY (notification_id)
);

CREATE INDEX notices_read_by_policy ON notices_read (policy_id, read_at);

CREATE TABLE applications (
	application_id BIGINT NOT NULL, 
	policy_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	department VARCHAR(100), 
	proactive BOOLEAN NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	stage_due_at DATETIME, 
	moved_at DATETIME NOT NULL, 
	submitted_at DATETIME NOT NULL, 
	completed_at DATETIME, 
	rejected_at DATETIME, 
	PRIMARY KEY (application_id)
);

CREATE INDEX applications_by_policy ON applications (policy_id, completed_at);

CREATE INDEX applications_by_enterprise ON applications (uscc);

CREATE TABLE stage_results (
	event_id VARCHAR(100) NOT NULL, 
	application_id BIGINT NOT NULL, 
	policy_id BIGINT NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	left_at DATETIME NOT NULL, 
	due_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id)
);

CREATE INDEX stage_results_by_policy ON stage_results (policy_id, left_at);

CREATE TABLE questions (
	question_id BIGINT NOT NULL, 
	policy_id BIGINT NOT NULL, 
	department VARCHAR(100) NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	asked_at DATETIME, 
	due_at DATETIME, 
	answered_at DATETIME, 
	PRIMARY KEY (question_id)
);

CREATE INDEX questions_by_policy ON questions (policy_id);

CREATE TABLE counselling_problems (
	problem_id BIGINT NOT NULL, 
	team_id BIGINT NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(20), 
	uscc VARCHAR(18) NOT NULL, 
	raised_at DATETIME NOT NULL, 
	due_at DATETIME NOT NULL, 
	first_answered_at DATETIME, 
	resolved_at DATETIME, 
	PRIMARY KEY (problem_id)
);

CREATE INDEX counselling_problems_by_county ON counselling_problems (county, raised_at);

CREATE INDEX counselling_problems_by_due ON counselling_problems (due_at);

CREATE TABLE counselling_plans (
	uscc VARCHAR(18) NOT NULL, 
	version INTEGER NOT NULL, 
	team_id BIGINT NOT NULL, 
	level VARCHAR(20), 
	county VARCHAR(20), 
	amount_coordinated BIGINT NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (uscc, version)
);

CREATE TABLE source_events (
	id INTEGER NOT NULL, 
	event_id VARCHAR(100) NOT NULL, 
	routing_key VARCHAR(100) NOT NULL, 
	body TEXT NOT NULL, 
	kept_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (event_id)
);

CREATE TABLE ratings (
	id INTEGER NOT NULL, 
	subject_key VARCHAR(60) NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	subject VARCHAR(20) NOT NULL, 
	policy_id BIGINT NOT NULL, 
	application_id BIGINT, 
	department VARCHAR(100) NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	stars INTEGER NOT NULL, 
	comment TEXT, 
	rated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT one_rating_per_subject UNIQUE (uscc, subject_key)
);

CREATE INDEX ratings_by_policy ON ratings (policy_id, rated_at);

CREATE INDEX ratings_by_department ON ratings (department, id);

CREATE TABLE rating_history (
	id INTEGER NOT NULL, 
	rating_id BIGINT NOT NULL, 
	policy_id BIGINT NOT NULL, 
	stars INTEGER NOT NULL, 
	comment TEXT, 
	rated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX rating_history_by_policy ON rating_history (policy_id, rated_at);

CREATE INDEX rating_history_of_rating ON rating_history (rating_id, id);

CREATE TABLE follow_ups (
	id INTEGER NOT NULL, 
	rating_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	policy_id BIGINT NOT NULL, 
	department VARCHAR(100) NOT NULL, 
	level VARCHAR(20) NOT NULL, 
	county VARCHAR(6), 
	stars INTEGER NOT NULL, 
	opened_at DATETIME NOT NULL, 
	due_at DATETIME NOT NULL, 
	due_provisional BOOLEAN NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	outcome TEXT, 
	closed_at DATETIME, 
	closed_by VARCHAR(100), 
	alarmed_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX follow_ups_by_policy ON follow_ups (policy_id, due_at);

CREATE INDEX follow_ups_of_rating ON follow_ups (rating_id, id);

CREATE INDEX follow_ups_open_by_due ON follow_ups (status, due_at);

CREATE TABLE evaluations (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	period_start DATE NOT NULL, 
	period_end DATE NOT NULL, 
	weights JSON NOT NULL, 
	source_weights JSON NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	survey JSON, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	closed_at DATETIME, 
	closed_by VARCHAR(100), 
	PRIMARY KEY (id)
);

CREATE TABLE filings (
	id INTEGER NOT NULL, 
	evaluation_id BIGINT NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	unit_kind VARCHAR(20) NOT NULL, 
	unit VARCHAR(100) NOT NULL, 
	filed_by_key VARCHAR(100) NOT NULL, 
	scores JSON NOT NULL, 
	evidence TEXT NOT NULL, 
	filed_by JSON NOT NULL, 
	filed_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT one_filing_per_filer UNIQUE (evaluation_id, source, unit_kind, unit, filed_by_key)
);

CREATE TABLE survey_responses (
	evaluation_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	answers JSON NOT NULL, 
	answered_at DATETIME NOT NULL, 
	PRIMARY KEY (evaluation_id, uscc)
);

CREATE TABLE survey_scores (
	evaluation_id BIGINT NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	dimension VARCHAR(40) NOT NULL, 
	score FLOAT NOT NULL, 
	PRIMARY KEY (evaluation_id, uscc, dimension)
);

CREATE TABLE results (
	evaluation_id BIGINT NOT NULL, 
	unit_kind VARCHAR(20) NOT NULL, 
	unit VARCHAR(100) NOT NULL, 
	position INTEGER NOT NULL, 
	name VARCHAR(300) NOT NULL, 
	score FLOAT, 
	rank INTEGER, 
	rank_best INTEGER, 
	rank_worst INTEGER, 
	dimensions JSON NOT NULL, 
	sources JSON NOT NULL, 
	outcomes JSON NOT NULL, 
	PRIMARY KEY (evaluation_id, unit_kind, unit)
);

CREATE TABLE rectifications (
	id INTEGER NOT NULL, 
	evaluation_id BIGINT NOT NULL, 
	unit_kind VARCHAR(20) NOT NULL, 
	unit VARCHAR(100) NOT NULL, 
	problem TEXT NOT NULL, 
	due_on DATE NOT NULL, 
	due_at DATETIME NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	issued_at DATETIME NOT NULL, 
	issued_by VARCHAR(100) NOT NULL, 
	completed_at DATETIME, 
	verified_at DATETIME, 
	alarmed_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX rectifications_open_by_due ON rectifications (status, due_at);

CREATE INDEX rectifications_by_unit ON rectifications (unit_kind, unit);

CREATE TABLE rectification_history (
	id INTEGER NOT NULL, 
	rectification_id BIGINT NOT NULL, 
	action VARCHAR(20) NOT NULL, 
	text TEXT, 
	"by" JSON NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX rectification_history_of ON rectification_history (rectification_id, id);

CREATE TABLE alarms (
	id INTEGER NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	subject_id BIGINT NOT NULL, 
	follow_up_id BIGINT, 
	rectification_id BIGINT, 
	department VARCHAR(100), 
	county VARCHAR(6), 
	due_at DATETIME NOT NULL, 
	raised_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT one_alarm_per_subject UNIQUE (kind, subject_id)
);

CREATE TABLE calendar_years (
	year INTEGER NOT NULL, 
	arrangement JSON NOT NULL, 
	revision INTEGER NOT NULL, 
	loaded_at DATETIME NOT NULL, 
	loaded_by VARCHAR(100), 
	PRIMARY KEY (year)
);
