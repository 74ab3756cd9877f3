//! The Kubernetes manifests in `deploy/` and the `Dockerfile` against the real
//! binary: flags and environment variables exist (`--help` of the built binary)
//! and parse, probe paths answer on a running gateway, ports agree from `--listen`
//! to the Service, the grace period outlasts the drain, the canary sits behind the
//! same Service, and the image's `HEALTHCHECK` runs the real subcommand.

use std::path::Path;
use std::process::Command;

use catalog_gateway::config::{Cli, Command as Subcommand, Settings};
use catalog_gateway::redis_topology::RedisTopology;
use clap::{CommandFactory, Parser};
use serde_json::Value;

use crate::support::TestApp;

/// A file of the repository, as text.
fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A one-document YAML manifest of `deploy/`, as JSON values.
fn manifest(name: &str) -> Value {
    let text = read(&format!("deploy/{name}"));
    serde_norway::from_str(&text).unwrap_or_else(|error| panic!("deploy/{name}: {error}"))
}

/// The workloads running the gateway: the stable and canary Deployments, and the
/// Argo Rollout that replaces both where Argo Rollouts is installed.
fn deployments() -> [(&'static str, Value); 3] {
    [
        ("deployment.yaml", manifest("deployment.yaml")),
        ("canary.yaml", manifest("canary.yaml")),
        ("argo/rollout.yaml", manifest("argo/rollout.yaml")),
    ]
}

/// The gateway container of a Deployment.
fn gateway_container(deployment: &Value) -> &Value {
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    assert_eq!(containers.len(), 1, "one container per pod");
    &containers[0]
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

/// The container's args, parsed by the binary's own command line (no subcommand:
/// serve).
fn serve_config(container: &Value) -> Settings {
    let args = strings(&container["args"]);
    let cli = Cli::try_parse_from(std::iter::once("catalog-gateway".to_owned()).chain(args))
        .unwrap_or_else(|error| panic!("the manifest's args do not parse: {error}"));
    assert!(cli.command.is_none(), "the args serve, with no subcommand");
    cli.serve
        .settings()
        .unwrap_or_else(|error| panic!("the manifest's settings contradict: {error}"))
}

/// What the real binary prints for `args`.
fn binary_stdout(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8 help")
}

/// The Dockerfile's instruction `keyword`, with its arguments (continuations joined).
fn dockerfile_instruction(keyword: &str) -> String {
    let text = read("Dockerfile").replace("\\\n", " ");
    let found: Vec<&str> = text
        .lines()
        .filter(|line| line.split_whitespace().next() == Some(keyword))
        .collect();
    assert_eq!(found.len(), 1, "one {keyword} in the Dockerfile");
    found[0][keyword.len()..].trim().to_owned()
}

fn as_u64(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{what} is a number: {value}"))
}

#[test]
fn every_flag_and_variable_of_the_manifests_is_a_real_one_of_the_binary() {
    let help = binary_stdout(&["serve", "--help"]);
    for (file, deployment) in deployments() {
        let container = gateway_container(&deployment);
        let args = strings(&container["args"]);
        let flags: Vec<&String> = args.iter().filter(|arg| arg.starts_with("--")).collect();
        assert!(!flags.is_empty(), "{file}: the args set flags");
        for flag in flags {
            assert!(
                help.contains(&format!("{flag} <")) || help.contains(&format!("{flag}\n")),
                "{file}: {flag} is not in `catalog-gateway serve --help`"
            );
        }
        serve_config(container);
        for variable in container["env"].as_array().expect("env") {
            let name = variable["name"].as_str().expect("env name");
            if name == "RUST_LOG" {
                continue; // read by the log filter, not a flag
            }
            assert!(
                help.contains(&format!("[env: {name}=")),
                "{file}: {name} is not read by the binary"
            );
        }
    }
}

#[tokio::test]
async fn probe_paths_are_routes_the_gateway_really_serves() {
    let app = TestApp::spawn(None, &[]).await;
    for (file, deployment) in deployments() {
        let container = gateway_container(&deployment);
        let port = as_u64(&container["ports"][0]["containerPort"], "containerPort");
        for (probe, expected) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
            let get = &container[probe]["httpGet"];
            let path = get["path"].as_str().expect("probe path");
            assert_eq!(path, expected, "{file}: {probe}");
            assert_eq!(
                as_u64(&get["port"], "probe port"),
                port,
                "{file}: {probe} port"
            );
            let status = app.get(path).await.status();
            assert_eq!(status, 200, "{file}: {probe} {path} answers {status}");
        }
    }
}

#[test]
fn ports_agree_from_listen_to_container_to_service_to_image() {
    let service = manifest("service.yaml");
    let target_port = as_u64(&service["spec"]["ports"][0]["targetPort"], "targetPort");
    let exposed: u64 = dockerfile_instruction("EXPOSE")
        .parse()
        .expect("EXPOSE one port");
    for (file, deployment) in deployments() {
        let container = gateway_container(&deployment);
        let listen = serve_config(container).server.listen.port();
        let container_port = as_u64(&container["ports"][0]["containerPort"], "containerPort");
        assert_eq!(
            u64::from(listen),
            container_port,
            "{file}: --listen vs containerPort"
        );
        assert_eq!(
            container_port, target_port,
            "{file}: containerPort vs Service targetPort"
        );
        assert_eq!(
            container_port, exposed,
            "{file}: containerPort vs Dockerfile EXPOSE"
        );
    }
}

#[test]
fn the_grace_period_outlasts_drain_delay_plus_shutdown_timeout() {
    for (file, deployment) in deployments() {
        let config = serve_config(gateway_container(&deployment));
        let grace_s = as_u64(
            &deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
            "terminationGracePeriodSeconds",
        );
        let drain_ms =
            u64::try_from((config.server.drain_delay + config.server.shutdown_timeout).as_millis())
                .unwrap_or(u64::MAX);
        assert!(
            grace_s * 1000 > drain_ms,
            "{file}: grace period {grace_s} s is not longer than drain + shutdown {drain_ms} ms"
        );
    }
}

#[test]
fn the_canary_is_one_pod_behind_the_same_service_and_apart_from_stable() {
    let service = manifest("service.yaml");
    let selector = service["spec"]["selector"].as_object().expect("selector");
    let [(_, stable), (_, canary), _] = deployments();
    let labels = |deployment: &Value| deployment["spec"]["template"]["metadata"]["labels"].clone();
    for (track, deployment) in [("stable", &stable), ("canary", &canary)] {
        let pod_labels = labels(deployment);
        for (key, value) in selector {
            assert_eq!(
                &pod_labels[key], value,
                "the Service selects {track} pods by {key}"
            );
        }
        assert_eq!(pod_labels["track"], track);
        assert_eq!(
            deployment["spec"]["selector"]["matchLabels"], pod_labels,
            "{track}: the Deployment selects its own pods"
        );
    }
    assert_ne!(
        stable["spec"]["selector"], canary["spec"]["selector"],
        "stable and canary Deployments must not adopt each other's pods"
    );
    assert_eq!(as_u64(&stable["spec"]["replicas"], "replicas"), 5);
    assert_eq!(as_u64(&canary["spec"]["replicas"], "replicas"), 1);
    assert_eq!(canary["metadata"]["name"], "catalog-gateway-canary");
    assert_ne!(
        gateway_container(&stable)["image"],
        gateway_container(&canary)["image"],
        "the canary runs another version"
    );
    // The same pod otherwise: a canary tests the version, not another config.
    let without_image = |deployment: &Value| {
        let mut container = gateway_container(deployment).clone();
        container["image"] = Value::Null;
        container
    };
    assert_eq!(without_image(&stable), without_image(&canary));

    // The PDB and the HPA are about the stable track only.
    let pdb = manifest("pdb.yaml");
    assert_eq!(pdb["spec"]["selector"]["matchLabels"], labels(&stable));
    let hpa = manifest("hpa.yaml");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(
        hpa["spec"]["scaleTargetRef"]["name"],
        stable["metadata"]["name"]
    );
    assert_eq!(as_u64(&hpa["spec"]["minReplicas"], "minReplicas"), 5);
}

#[test]
fn pods_run_as_the_image_user_non_root_on_a_read_only_root() {
    let user = dockerfile_instruction("USER");
    for (file, deployment) in deployments() {
        let pod = &deployment["spec"]["template"]["spec"]["securityContext"];
        let container = &gateway_container(&deployment)["securityContext"];
        assert_eq!(pod["runAsNonRoot"], true, "{file}");
        assert_eq!(pod["seccompProfile"]["type"], "RuntimeDefault", "{file}");
        let uid = as_u64(&container["runAsUser"], "runAsUser");
        let gid = as_u64(&container["runAsGroup"], "runAsGroup");
        assert_eq!(
            format!("{uid}:{gid}"),
            user,
            "{file}: the Dockerfile's USER"
        );
        assert_eq!(container["readOnlyRootFilesystem"], true, "{file}");
        assert_eq!(container["allowPrivilegeEscalation"], false, "{file}");
        assert_eq!(container["capabilities"]["drop"][0], "ALL", "{file}");
        let resources = &gateway_container(&deployment)["resources"];
        for kind in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(
                    resources[kind][resource].is_string(),
                    "{file}: {kind}.{resource}"
                );
            }
        }
    }
}

#[test]
fn the_argo_rollout_canaries_one_pod_of_five_and_is_judged_on_metrics_the_gateway_exports() {
    let rollout = manifest("argo/rollout.yaml");
    let template = manifest("argo/analysis-template.yaml");
    let deployment = manifest("deployment.yaml");
    assert_eq!(rollout["spec"]["replicas"], deployment["spec"]["replicas"]);
    let steps = rollout["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .expect("steps");
    assert_eq!(steps[0]["setWeight"], 20, "one pod of five first");
    assert!(steps[1]["pause"].is_object(), "then a pause");
    let analysis = &steps[2]["analysis"];
    assert_eq!(
        analysis["templates"][0]["templateName"], template["metadata"]["name"],
        "the analysis step runs the shipped template"
    );
    let given: Vec<&str> = analysis["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|arg| arg["name"].as_str())
        .collect();
    let metrics = template["spec"]["metrics"].as_array().expect("metrics");
    assert!(metrics.len() >= 2, "failure ratio and p99");
    for metric in metrics {
        let query = metric["provider"]["prometheus"]["query"]
            .as_str()
            .expect("a Prometheus query");
        for name in query
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| word.starts_with("catalog_"))
        {
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(name);
            assert!(
                catalog_gateway::telemetry::metrics::ALL.contains(&base),
                "{}: {name} is not a metric the gateway exports",
                metric["name"]
            );
        }
        for (at, _) in query.match_indices("{{args.") {
            let arg = &query[at + 7..];
            let arg = &arg[..arg.find("}}").expect("closed")];
            let declared = template["spec"]["args"]
                .as_array()
                .expect("template args")
                .iter()
                .any(|declared| {
                    declared["name"] == arg
                        && (given.contains(&arg) || declared["value"].is_string())
                });
            assert!(
                declared,
                "{}: {{{{args.{arg}}}}} is neither given nor defaulted",
                metric["name"]
            );
        }
    }
}

#[test]
fn the_image_runs_the_binary_and_its_healthcheck_is_the_real_subcommand() {
    let entrypoint: Vec<String> =
        serde_json::from_str(&dockerfile_instruction("ENTRYPOINT")).expect("exec-form ENTRYPOINT");
    assert_eq!(entrypoint, ["/catalog-gateway"]);
    let healthcheck = dockerfile_instruction("HEALTHCHECK");
    let command = healthcheck
        .split_once("CMD ")
        .map(|(_, command)| command)
        .expect("HEALTHCHECK CMD");
    let command: Vec<String> = serde_json::from_str(command).expect("exec-form HEALTHCHECK CMD");
    assert_eq!(
        command[0], entrypoint[0],
        "the healthcheck runs the image's binary"
    );
    let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();

    // The binary accepts exactly these arguments ...
    let mut argv = vec!["catalog-gateway"];
    argv.extend(&args);
    let cli = Cli::try_parse_from(&argv).expect("the HEALTHCHECK arguments parse");
    let Some(Subcommand::Healthcheck(config)) = cli.command else {
        panic!("the HEALTHCHECK runs the healthcheck subcommand: {args:?}");
    };
    // ... and they are real for the built binary too.
    let mut help_args = args.clone();
    help_args.push("--help");
    assert!(binary_stdout(&help_args).contains("healthcheck"));

    // The default probe is the liveness route on the exposed port, on loopback.
    let exposed: u16 = dockerfile_instruction("EXPOSE").parse().expect("one port");
    if std::env::var_os("CATALOG_HEALTHCHECK_URL").is_none() {
        assert_eq!(config.url.path(), "/healthz");
        assert_eq!(config.url.port(), Some(exposed));
        assert_eq!(config.url.host_str(), Some("127.0.0.1"));
    }
}

#[test]
fn the_redis_topology_patches_set_real_variables_that_make_their_topology() {
    // The serve flags are the top-level command's (no subcommand: serve).
    let serve = Cli::command();
    for (file, topology) in [
        ("redis/sentinel.yaml", "sentinel"),
        ("redis/cluster.yaml", "cluster"),
    ] {
        let patch = manifest(file);
        let container = gateway_container(&patch);
        let mut flags = vec!["--listen".to_owned(), "127.0.0.1:0".to_owned()];
        let mut credentials = std::collections::HashMap::new();
        for variable in container["env"].as_array().expect("env") {
            let name = variable["name"].as_str().expect("env name").to_owned();
            // A Secret's value is not in the file: any placeholder stands for it.
            let value = variable["value"]
                .as_str()
                .unwrap_or("from-a-secret")
                .to_owned();
            let flag = serve
                .get_arguments()
                .find(|arg| arg.get_env().is_some_and(|env| env == name.as_str()));
            match flag.and_then(|arg| arg.get_long()) {
                Some(long) if name.ends_with("_CA_FILE") => {
                    // The mounted CA is not here: this test's own stands for it.
                    let ca = std::env::temp_dir().join("catalog-gateway-test-ca.pem");
                    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
                    flags.extend([format!("--{long}"), ca.display().to_string()]);
                }
                Some(long) => flags.extend([format!("--{long}"), value]),
                None => {
                    // Credentials are read from the environment only, never flags.
                    assert!(
                        name.starts_with("CATALOG_CACHE_REDIS_")
                            && ["_USERNAME", "_PASSWORD"]
                                .iter()
                                .any(|end| name.ends_with(end)),
                        "{file}: {name} is not read by the binary"
                    );
                    credentials.insert(name, value);
                }
            }
        }
        let lookup = |name: &str| credentials.get(name).cloned();
        let settings = Settings::from_flags_with_env(flags, &lookup)
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        let target = settings.cache.redis.expect("a shared tier").target;
        let made = match target.topology {
            RedisTopology::Sentinel { .. } => "sentinel",
            RedisTopology::Cluster(_) => "cluster",
            RedisTopology::Single(_) => "single",
        };
        assert_eq!(made, topology, "{file}");
        assert!(
            target.auth.password.is_some(),
            "{file}: the password is read"
        );
    }
}
