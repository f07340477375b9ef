"""The Streamlit web app: page modules, cached engines and display helpers.

``app.py`` at the project root only calls :func:`exportctl.webapp.main.run`; every page is a
``render()`` function here so that it can be tested without a browser (Streamlit's AppTest).
"""
