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

CREATE TABLE notifications (
	id BIGSERIAL NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	subject VARCHAR(20) NOT NULL, 
	subject_id BIGINT NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	read_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT one_notification_per_subject UNIQUE (uscc, subject, subject_id, kind)
);

CREATE TABLE notification_preferences (
	uscc VARCHAR(18) NOT NULL, 
	kinds JSON NOT NULL, 
	quiet_start VARCHAR(5) NOT NULL, 
	quiet_end VARCHAR(5) NOT NULL, 
	digest VARCHAR(10) NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE TABLE notification_contacts (
	uscc VARCHAR(18) NOT NULL, 
	phone VARCHAR(20), 
	email VARCHAR(254), 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (uscc)
);

CREATE TABLE staff_contacts (
	account_id VARCHAR(30) NOT NULL, 
	role VARCHAR(30) NOT NULL, 
	department VARCHAR(100), 
	county VARCHAR(6), 
	team_id BIGINT, 
	phone VARCHAR(20), 
	email VARCHAR(254), 
	active BOOLEAN NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (account_id)
);

CREATE INDEX staff_contacts_by_role ON staff_contacts (role, active);

CREATE TABLE deliveries (
	id BIGSERIAL NOT NULL, 
	idempotency_key VARCHAR(120) NOT NULL, 
	uscc VARCHAR(18), 
	account_id VARCHAR(30), 
	kind VARCHAR(40) NOT NULL, 
	notification_id BIGINT, 
	channel VARCHAR(10) NOT NULL, 
	recipient VARCHAR(254) NOT NULL, 
	text VARCHAR(500) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at TIMESTAMP WITH TIME ZONE, 
	reason VARCHAR(500), 
	provider_answer TEXT, 
	provider_id VARCHAR(200), 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	sent_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (idempotency_key)
);

CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

CREATE INDEX deliveries_of_staff ON deliveries (account_id, id);

CREATE INDEX deliveries_of_enterprise ON deliveries (uscc, id);

CREATE INDEX deliveries_to_recipient ON deliveries (recipient, sent_at);
