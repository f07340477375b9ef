--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: exportctl_audit_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.exportctl_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: answers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.answers (
    id integer NOT NULL,
    case_id integer NOT NULL,
    key character varying(50) NOT NULL,
    question text NOT NULL,
    answer character varying(20) NOT NULL,
    comment text,
    answered_by character varying(200) NOT NULL,
    answered_at timestamp without time zone NOT NULL
);


--
-- Name: answers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.answers_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: answers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.answers_id_seq OWNED BY public.answers.id;


--
-- Name: audit_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_events (
    id integer NOT NULL,
    case_id integer,
    at timestamp without time zone NOT NULL,
    actor character varying(200) NOT NULL,
    actor_role character varying(20) NOT NULL,
    action character varying(50) NOT NULL,
    target character varying(200),
    detail_json text NOT NULL,
    list_version character varying(100),
    rules_version character varying(100)
);


--
-- Name: audit_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_events_id_seq OWNED BY public.audit_events.id;


--
-- Name: cases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cases (
    id integer NOT NULL,
    external_id character varying(200),
    title character varying(500) NOT NULL,
    abstract text NOT NULL,
    source_name character varying(300),
    researcher character varying(200) NOT NULL,
    researcher_name character varying(300) NOT NULL,
    created_by character varying(200) NOT NULL,
    partner_country character varying(200),
    visitor_nationality character varying(200),
    visitor_level character varying(100),
    status character varying(20) NOT NULL,
    decision character varying(50),
    atas_decision character varying(50),
    decision_note text,
    officer character varying(200),
    created_at timestamp without time zone NOT NULL,
    submitted_at timestamp without time zone,
    decided_at timestamp without time zone,
    updated_at timestamp without time zone NOT NULL,
    list_version character varying(100) NOT NULL,
    rules_version character varying(100),
    atas_summary text,
    result_json text NOT NULL,
    version integer NOT NULL
);


--
-- Name: cases_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.cases_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: cases_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.cases_id_seq OWNED BY public.cases.id;


--
-- Name: exportctl_meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.exportctl_meta (
    key character varying(50) NOT NULL,
    value character varying(200) NOT NULL
);


--
-- Name: suggestions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suggestions (
    id integer NOT NULL,
    case_id integer NOT NULL,
    rank integer,
    code character varying(100) NOT NULL,
    entry character varying(50) NOT NULL,
    list_name character varying(50) NOT NULL,
    title text NOT NULL,
    score double precision,
    reason text NOT NULL,
    evidence_json text NOT NULL,
    thresholds_json text NOT NULL,
    related text NOT NULL,
    source character varying(20) NOT NULL,
    status character varying(20) NOT NULL,
    note text,
    reviewed_by character varying(200),
    reviewed_at timestamp without time zone,
    version integer NOT NULL
);


--
-- Name: suggestions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.suggestions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: suggestions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.suggestions_id_seq OWNED BY public.suggestions.id;


--
-- Name: answers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answers ALTER COLUMN id SET DEFAULT nextval('public.answers_id_seq'::regclass);


--
-- Name: audit_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events ALTER COLUMN id SET DEFAULT nextval('public.audit_events_id_seq'::regclass);


--
-- Name: cases id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases ALTER COLUMN id SET DEFAULT nextval('public.cases_id_seq'::regclass);


--
-- Name: suggestions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions ALTER COLUMN id SET DEFAULT nextval('public.suggestions_id_seq'::regclass);


--
-- Data for Name: answers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.answers VALUES (1, 1, 'public_domain', 'Will the results be published?', 'yes', 'paper', 'rosa', '2026-12-04 17:09:48.049536');
INSERT INTO public.answers VALUES (2, 2, 'public_domain', 'Will the results be published?', 'yes', 'paper', 'ravi', '2026-12-04 17:09:48.060903');
INSERT INTO public.answers VALUES (3, 3, 'public_domain', 'Will the results be published?', 'yes', 'paper', 'rosa', '2026-12-04 17:09:48.072335');
INSERT INTO public.answers VALUES (5, 5, 'public_domain', 'Will the results be published?', 'yes', 'paper', 'rosa', '2026-12-04 17:09:48.093333');
INSERT INTO public.answers VALUES (4, 4, 'public_domain', 'Will the results be published?', 'no', 'NDA', 'ravi', '2026-12-04 17:09:48.205193');


--
-- Data for Name: audit_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_events VALUES (1, 1, '2026-12-04 17:09:48.049536', 'rosa', 'researcher', 'case_submitted', 'C-00001', '{"title": "Femtosecond fibre laser", "researcher": "rosa", "suggested": ["6A005.a", "6E002"], "answers": {"public_domain": "yes"}, "external_id": null, "source_name": null}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (2, 2, '2026-12-04 17:09:48.060903', 'ravi', 'researcher', 'case_submitted', 'C-00002', '{"title": "Radiation-hard MCU", "researcher": "ravi", "suggested": ["6A005.a", "6E002"], "answers": {"public_domain": "yes"}, "external_id": null, "source_name": null}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (3, 3, '2026-12-04 17:09:48.072335', 'rosa', 'researcher', 'case_submitted', 'C-00003', '{"title": "Medieval charters", "researcher": "rosa", "suggested": ["6A005.a", "6E002"], "answers": {"public_domain": "yes"}, "external_id": null, "source_name": null}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (4, 4, '2026-12-04 17:09:48.085356', 'ravi', 'researcher', 'case_submitted', 'C-00004', '{"title": "THz imaging", "researcher": "ravi", "suggested": ["6A005.a", "6E002"], "answers": {"public_domain": "yes"}, "external_id": null, "source_name": null}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (5, 5, '2026-12-04 17:09:48.093333', 'rosa', 'researcher', 'case_submitted', 'C-00005', '{"title": "Gas centrifuge CFD", "researcher": "rosa", "suggested": ["6A005.a", "6E002"], "answers": {"public_domain": "yes"}, "external_id": null, "source_name": null}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (6, 6, '2026-12-04 17:09:48.101398', 'olu', 'officer', 'case_submitted', 'C-00006', '{"title": "Batch one", "researcher": "rosa", "suggested": ["5A002.a", "5E002"], "answers": {}, "external_id": "GR/1234", "source_name": "batch.csv"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (7, 7, '2026-12-04 17:09:48.109475', 'olu', 'officer', 'case_submitted', 'C-00007', '{"title": "Batch one again", "researcher": "rosa", "suggested": ["5A002.a", "5E002"], "answers": {}, "external_id": "GR/1234", "source_name": "batch.csv"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (8, 1, '2026-12-04 17:09:48.123926', 'olu', 'officer', 'suggestion_confirmed', '6A005.a', '{"before": "pending", "after": "confirmed", "note": "200 W", "list": "dual-use"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (9, 1, '2026-12-04 17:09:48.137346', 'olu', 'officer', 'suggestion_rejected', '6E002', '{"before": "pending", "after": "rejected", "note": "no technology", "list": "dual-use"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (10, 1, '2026-12-04 17:09:48.147889', 'olu', 'officer', 'case_decided', 'C-00001', '{"before": {"decision": null, "atas_decision": null}, "decision": "listed_licence_needed", "atas_decision": "not_required", "note": "Licence before shipping to the partner.", "confirmed": ["6A005.a"], "pending": []}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (11, 3, '2026-12-04 17:09:48.156048', 'olu', 'officer', 'suggestion_rejected', '6A005.a', '{"before": "pending", "after": "rejected", "note": "history", "list": "dual-use"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (12, 3, '2026-12-04 17:09:48.172484', 'olu', 'officer', 'suggestion_rejected', '6E002', '{"before": "pending", "after": "rejected", "note": "history", "list": "dual-use"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (13, 3, '2026-12-04 17:09:48.184054', 'olu', 'officer', 'case_decided', 'C-00003', '{"before": {"decision": null, "atas_decision": null}, "decision": "not_listed", "atas_decision": "not_required", "note": null, "confirmed": [], "pending": []}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (14, 3, '2026-12-04 17:09:48.191581', 'ola', 'officer', 'case_reopened', 'C-00003', '{"reason": "second look", "decision_was": "not_listed"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (15, 3, '2026-12-04 17:09:48.199268', 'ola', 'officer', 'case_decided', 'C-00003', '{"before": {"decision": "not_listed", "atas_decision": "not_required"}, "decision": "not_listed", "atas_decision": "not_required", "note": "Confirmed on second look.", "confirmed": [], "pending": []}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (16, 4, '2026-12-04 17:09:48.205193', 'ravi', 'researcher', 'answer_set', 'public_domain', '{"before": "yes", "after": "no", "comment": "NDA"}', 'uk-consolidated/2025-12-16', NULL);
INSERT INTO public.audit_events VALUES (17, 4, '2026-12-04 17:09:48.213272', 'olu', 'officer', 'entry_added', '6A008.a', '{"list": "dual-use", "note": "imaging radar"}', 'uk-consolidated/2025-12-16', NULL);


--
-- Data for Name: cases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.cases VALUES (2, NULL, 'Radiation-hard MCU', 'A radiation-hardened microcontroller for small satellites.', NULL, 'ravi', 'Ravi Researcher', 'ravi', NULL, NULL, NULL, 'submitted', NULL, NULL, NULL, NULL, '2026-12-04 17:09:48.060903', '2026-12-04 17:09:48.060903', NULL, '2026-12-04 17:09:48.060903', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "6A005.a", "entry": "6A005", "list_name": "dual-use", "title": "Clause 6A005.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "A radiation-hardened", "start": 0, "end": 20, "clause_code": "6A005.a", "clause_words": ["a", "radiation-hardened"], "weight": 1.0}], "thresholds": [{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "6E002", "entry": "6E002", "list_name": "dual-use", "title": "Clause 6E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "A radiation-hardened", "start": 0, "end": 20, "clause_code": "6E002", "clause_words": ["a", "radiation-hardened"], "weight": 0.5}], "thresholds": [{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 1);
INSERT INTO public.cases VALUES (5, NULL, 'Gas centrifuge CFD', 'Computational fluid dynamics of rotating flows in centrifuges.', NULL, 'rosa', 'Rosa Researcher', 'rosa', NULL, NULL, NULL, 'submitted', NULL, NULL, NULL, NULL, '2026-12-04 17:09:48.093333', '2026-12-04 17:09:48.093333', NULL, '2026-12-04 17:09:48.093333', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "6A005.a", "entry": "6A005", "list_name": "dual-use", "title": "Clause 6A005.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "Computational fluid", "start": 0, "end": 19, "clause_code": "6A005.a", "clause_words": ["computational", "fluid"], "weight": 1.0}], "thresholds": [{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "6E002", "entry": "6E002", "list_name": "dual-use", "title": "Clause 6E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "Computational fluid", "start": 0, "end": 19, "clause_code": "6E002", "clause_words": ["computational", "fluid"], "weight": 0.5}], "thresholds": [{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 1);
INSERT INTO public.cases VALUES (6, 'GR/1234', 'Batch one', 'Quantum key distribution over 100 km of fibre.', 'batch.csv', 'rosa', 'Rosa Researcher', 'olu', NULL, NULL, NULL, 'submitted', NULL, NULL, NULL, NULL, '2026-12-04 17:09:48.101398', '2026-12-04 17:09:48.101398', NULL, '2026-12-04 17:09:48.101398', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "5A002.a", "entry": "5A002", "list_name": "dual-use", "title": "Clause 5A002.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5A002.a", "clause_words": ["quantum", "key"], "weight": 1.0}], "thresholds": [{"clause_code": "5A002.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "5E002", "entry": "5E002", "list_name": "dual-use", "title": "Clause 5E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5E002", "clause_words": ["quantum", "key"], "weight": 0.5}], "thresholds": [{"clause_code": "5E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 1);
INSERT INTO public.cases VALUES (7, 'GR/1234', 'Batch one again', 'Quantum key distribution over 100 km of fibre.', 'batch.csv', 'rosa', 'Rosa Researcher', 'olu', NULL, NULL, NULL, 'submitted', NULL, NULL, NULL, NULL, '2026-12-04 17:09:48.109475', '2026-12-04 17:09:48.109475', NULL, '2026-12-04 17:09:48.109475', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "5A002.a", "entry": "5A002", "list_name": "dual-use", "title": "Clause 5A002.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5A002.a", "clause_words": ["quantum", "key"], "weight": 1.0}], "thresholds": [{"clause_code": "5A002.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "5E002", "entry": "5E002", "list_name": "dual-use", "title": "Clause 5E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5E002", "clause_words": ["quantum", "key"], "weight": 0.5}], "thresholds": [{"clause_code": "5E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 1);
INSERT INTO public.cases VALUES (1, NULL, 'Femtosecond fibre laser', 'A 200 W femtosecond fibre laser at 1030 nm for micromachining.', NULL, 'rosa', 'Rosa Researcher', 'rosa', 'US', NULL, NULL, 'decided', 'listed_licence_needed', 'not_required', 'Licence before shipping to the partner.', 'olu', '2026-12-04 17:09:48.049536', '2026-12-04 17:09:48.049536', '2026-12-04 17:09:48.147889', '2026-12-04 17:09:48.147889', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "6A005.a", "entry": "6A005", "list_name": "dual-use", "title": "Clause 6A005.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "A 200", "start": 0, "end": 5, "clause_code": "6A005.a", "clause_words": ["a", "200"], "weight": 1.0}], "thresholds": [{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "6E002", "entry": "6E002", "list_name": "dual-use", "title": "Clause 6E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "A 200", "start": 0, "end": 5, "clause_code": "6E002", "clause_words": ["a", "200"], "weight": 0.5}], "thresholds": [{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 4);
INSERT INTO public.cases VALUES (3, NULL, 'Medieval charters', 'Palaeography of twelfth-century charters from Durham.', NULL, 'rosa', 'Rosa Researcher', 'rosa', NULL, NULL, NULL, 'decided', 'not_listed', 'not_required', 'Confirmed on second look.', 'ola', '2026-12-04 17:09:48.072335', '2026-12-04 17:09:48.072335', '2026-12-04 17:09:48.199268', '2026-12-04 17:09:48.199268', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "6A005.a", "entry": "6A005", "list_name": "dual-use", "title": "Clause 6A005.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "Palaeography of", "start": 0, "end": 15, "clause_code": "6A005.a", "clause_words": ["palaeography", "of"], "weight": 1.0}], "thresholds": [{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "6E002", "entry": "6E002", "list_name": "dual-use", "title": "Clause 6E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "Palaeography of", "start": 0, "end": 15, "clause_code": "6E002", "clause_words": ["palaeography", "of"], "weight": 0.5}], "thresholds": [{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 6);
INSERT INTO public.cases VALUES (4, NULL, 'THz imaging', 'Terahertz imaging sensor for security screening at 0.3 THz.', NULL, 'ravi', 'Ravi Researcher', 'ravi', NULL, 'CN', 'research', 'in_review', NULL, NULL, NULL, NULL, '2026-12-04 17:09:48.085356', '2026-12-04 17:09:48.085356', NULL, '2026-12-04 17:09:48.213272', 'uk-consolidated/2025-12-16', NULL, NULL, '{"id": null, "controls": [{"code": "6A005.a", "entry": "6A005", "list_name": "dual-use", "title": "Clause 6A005.a", "score": 1.0, "evidence": [{"matcher": "lexical", "abstract_text": "Terahertz imaging", "start": 0, "end": 17, "clause_code": "6A005.a", "clause_words": ["terahertz", "imaging"], "weight": 1.0}], "thresholds": [{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}, {"code": "6E002", "entry": "6E002", "list_name": "dual-use", "title": "Clause 6E002", "score": 0.5, "evidence": [{"matcher": "lexical", "abstract_text": "Terahertz imaging", "start": 0, "end": 17, "clause_code": "6E002", "clause_words": ["terahertz", "imaging"], "weight": 0.5}], "thresholds": [{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}], "related": ["6D001"], "via": null, "reason": "test"}], "list_version": "uk-consolidated/2025-12-16", "questions": [{"key": "public_domain", "text": "Will the results be published?", "source": "GTN", "hint": null}], "subjects": [], "atas": null, "quantities": [], "warnings": [], "disclaimer": "These are suggestions from an automated first pass, not a classification. An export-control officer must review them and makes the decision."}', 3);


--
-- Data for Name: exportctl_meta; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.exportctl_meta VALUES ('schema_version', '1');


--
-- Data for Name: suggestions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.suggestions VALUES (3, 2, 1, '6A005.a', '6A005', 'dual-use', 'Clause 6A005.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "A radiation-hardened", "start": 0, "end": 20, "clause_code": "6A005.a", "clause_words": ["a", "radiation-hardened"], "weight": 1.0}]', '[{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (4, 2, 2, '6E002', '6E002', 'dual-use', 'Clause 6E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "A radiation-hardened", "start": 0, "end": 20, "clause_code": "6E002", "clause_words": ["a", "radiation-hardened"], "weight": 0.5}]', '[{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (7, 4, 1, '6A005.a', '6A005', 'dual-use', 'Clause 6A005.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "Terahertz imaging", "start": 0, "end": 17, "clause_code": "6A005.a", "clause_words": ["terahertz", "imaging"], "weight": 1.0}]', '[{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (8, 4, 2, '6E002', '6E002', 'dual-use', 'Clause 6E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "Terahertz imaging", "start": 0, "end": 17, "clause_code": "6E002", "clause_words": ["terahertz", "imaging"], "weight": 0.5}]', '[{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (9, 5, 1, '6A005.a', '6A005', 'dual-use', 'Clause 6A005.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "Computational fluid", "start": 0, "end": 19, "clause_code": "6A005.a", "clause_words": ["computational", "fluid"], "weight": 1.0}]', '[{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (10, 5, 2, '6E002', '6E002', 'dual-use', 'Clause 6E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "Computational fluid", "start": 0, "end": 19, "clause_code": "6E002", "clause_words": ["computational", "fluid"], "weight": 0.5}]', '[{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (11, 6, 1, '5A002.a', '5A002', 'dual-use', 'Clause 5A002.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5A002.a", "clause_words": ["quantum", "key"], "weight": 1.0}]', '[{"clause_code": "5A002.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (12, 6, 2, '5E002', '5E002', 'dual-use', 'Clause 5E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5E002", "clause_words": ["quantum", "key"], "weight": 0.5}]', '[{"clause_code": "5E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (13, 7, 1, '5A002.a', '5A002', 'dual-use', 'Clause 5A002.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5A002.a", "clause_words": ["quantum", "key"], "weight": 1.0}]', '[{"clause_code": "5A002.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (14, 7, 2, '5E002', '5E002', 'dual-use', 'Clause 5E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "Quantum key", "start": 0, "end": 11, "clause_code": "5E002", "clause_words": ["quantum", "key"], "weight": 0.5}]', '[{"clause_code": "5E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'pending', NULL, NULL, NULL, 1);
INSERT INTO public.suggestions VALUES (1, 1, 1, '6A005.a', '6A005', 'dual-use', 'Clause 6A005.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "A 200", "start": 0, "end": 5, "clause_code": "6A005.a", "clause_words": ["a", "200"], "weight": 1.0}]', '[{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'confirmed', '200 W', 'olu', '2026-12-04 17:09:48.123926', 2);
INSERT INTO public.suggestions VALUES (2, 1, 2, '6E002', '6E002', 'dual-use', 'Clause 6E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "A 200", "start": 0, "end": 5, "clause_code": "6E002", "clause_words": ["a", "200"], "weight": 0.5}]', '[{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'rejected', 'no technology', 'olu', '2026-12-04 17:09:48.137346', 2);
INSERT INTO public.suggestions VALUES (5, 3, 1, '6A005.a', '6A005', 'dual-use', 'Clause 6A005.a', 1, 'test', '[{"matcher": "lexical", "abstract_text": "Palaeography of", "start": 0, "end": 15, "clause_code": "6A005.a", "clause_words": ["palaeography", "of"], "weight": 1.0}]', '[{"clause_code": "6A005.a", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'rejected', 'history', 'olu', '2026-12-04 17:09:48.156048', 2);
INSERT INTO public.suggestions VALUES (6, 3, 2, '6E002', '6E002', 'dual-use', 'Clause 6E002', 0.5, 'test', '[{"matcher": "lexical", "abstract_text": "Palaeography of", "start": 0, "end": 15, "clause_code": "6E002", "clause_words": ["palaeography", "of"], "weight": 0.5}]', '[{"clause_code": "6E002", "condition": "exceeding 10 W", "comparator": ">", "value": 10.0, "unit": "W", "status": "unknown", "observed": null, "observed_value": null, "question": "What is the output power?", "group": null}]', '6D001', 'suggested', 'rejected', 'history', 'olu', '2026-12-04 17:09:48.172484', 2);
INSERT INTO public.suggestions VALUES (15, 4, NULL, '6A008.a', '6A008', 'dual-use', 'Radar systems', NULL, 'Added by an officer', '[]', '[]', '', 'officer', 'confirmed', 'imaging radar', 'olu', '2026-12-04 17:09:48.213272', 1);


--
-- Name: answers_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.answers_id_seq', 5, true);


--
-- Name: audit_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_events_id_seq', 17, true);


--
-- Name: cases_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.cases_id_seq', 7, true);


--
-- Name: suggestions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.suggestions_id_seq', 15, true);


--
-- Name: answers answers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answers
    ADD CONSTRAINT answers_pkey PRIMARY KEY (id);


--
-- Name: audit_events audit_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id);


--
-- Name: cases cases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_pkey PRIMARY KEY (id);


--
-- Name: exportctl_meta exportctl_meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exportctl_meta
    ADD CONSTRAINT exportctl_meta_pkey PRIMARY KEY (key);


--
-- Name: suggestions suggestions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_pkey PRIMARY KEY (id);


--
-- Name: answers uq_answer_case_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answers
    ADD CONSTRAINT uq_answer_case_key UNIQUE (case_id, key);


--
-- Name: suggestions uq_suggestion_case_code; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT uq_suggestion_case_code UNIQUE (case_id, code);


--
-- Name: ix_answers_case_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_answers_case_id ON public.answers USING btree (case_id);


--
-- Name: ix_audit_events_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_events_at ON public.audit_events USING btree (at);


--
-- Name: ix_audit_events_case_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_events_case_id ON public.audit_events USING btree (case_id);


--
-- Name: ix_cases_researcher; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cases_researcher ON public.cases USING btree (researcher);


--
-- Name: ix_cases_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cases_status ON public.cases USING btree (status);


--
-- Name: ix_suggestions_case_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_suggestions_case_id ON public.suggestions USING btree (case_id);


--
-- Name: audit_events audit_events_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_events_append_only BEFORE DELETE OR UPDATE ON public.audit_events FOR EACH ROW EXECUTE FUNCTION public.exportctl_audit_append_only();


--
-- Name: answers answers_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answers
    ADD CONSTRAINT answers_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- Name: suggestions suggestions_case_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_case_id_fkey FOREIGN KEY (case_id) REFERENCES public.cases(id);


--
-- PostgreSQL database dump complete
--


