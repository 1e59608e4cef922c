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

CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(30) NOT NULL, 
	department VARCHAR(100), 
	county VARCHAR(6), 
	uscc VARCHAR(18), 
	source VARCHAR(100), 
	team_id BIGINT, 
	phone VARCHAR(11), 
	email VARCHAR(254), 
	token_digest VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(100) NOT NULL, 
	disabled_at DATETIME, 
	disabled_by VARCHAR(100), 
	PRIMARY KEY (id), 
	UNIQUE (token_digest)
);

CREATE TABLE rate_events (
	id INTEGER NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	"key" VARCHAR(100) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX rate_events_by_key ON rate_events (kind, "key", at);

CREATE TABLE credentials (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	login VARCHAR(32) NOT NULL, 
	password_hash VARCHAR(200) NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id), 
	UNIQUE (login)
);

CREATE TABLE sessions (
	id INTEGER NOT NULL, 
	digest VARCHAR(64) NOT NULL, 
	account_id INTEGER NOT NULL, 
	csrf_digest VARCHAR(64) NOT NULL, 
	address VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (digest), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);

CREATE INDEX ix_sessions_account_id ON sessions (account_id);

CREATE TABLE registrations (
	id VARCHAR(32) NOT NULL, 
	uscc VARCHAR(18) NOT NULL, 
	phone VARCHAR(11) NOT NULL, 
	code_digest VARCHAR(64) NOT NULL, 
	wrong_tries INTEGER NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	address VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	account_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);

CREATE INDEX ix_registrations_uscc ON registrations (uscc);
